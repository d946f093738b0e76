using System.Text.RegularExpressions;

namespace KissEf.Tests.Commands;

/// <summary>What a run of the sample's executable (<see cref="SampleCommand"/>) gave: its exit code and both outputs.</summary>
public sealed record SampleRun(int ExitCode, string Output, string Error)
{
    /// <summary>The output with "\n" line ends, as the docs show it.</summary>
    public string Text => Output.ReplaceLineEndings("\n");

    /// <summary>
    /// Asserts a failed command as docs/operations.md describes it: exit 1, nothing on standard output, one line on
    /// standard error that starts with the command and names the sample's context, no stack trace. Returns the line.
    /// </summary>
    public string AssertFailedInOneLine(string command)
    {
        Assert.True(ExitCode == 1, ToString());
        Assert.Equal("", Output);
        var line = Assert.Single(Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"kissef {command}: ", line, StringComparison.Ordinal);
        Assert.Contains("ShopContext", line, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"^\s+at ", RegexOptions.Multiline), Error);
        return line;
    }

    public override string ToString() => $"exit {ExitCode}:{Environment.NewLine}{Output}{Error}";
}
