namespace KissEf.Tests.Commands;

/// <summary>What a run of the sample's executable (<see cref="SampleCommand"/>) gave: its exit code and both outputs.</summary>
public sealed record SampleRun(int ExitCode, string Output, string Error)
{
    /// <summary>The output with "\n" line ends, as the docs show it.</summary>
    public string Text => Output.ReplaceLineEndings("\n");

    public override string ToString() => $"exit {ExitCode}:{Environment.NewLine}{Output}{Error}";
}
