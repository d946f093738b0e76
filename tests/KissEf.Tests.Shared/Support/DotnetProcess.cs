using System.Diagnostics;
using System.Text;

namespace KissEf.Tests.Support;

/// <summary>Runs the real <c>dotnet</c> CLI as a child process, with its output captured and a deadline.</summary>
public static class DotnetProcess
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "CI", "DOTNET_ROOT", "NUGET_PACKAGES",
        "USERPROFILE", "APPDATA", "LOCALAPPDATA", "ProgramFiles", "SystemRoot", "ComSpec",
    };

    /// <summary>Runs <c>dotnet args</c> in <paramref name="workingDirectory"/>; fails the test on a non-zero exit or the deadline.</summary>
    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host runs under `dotnet test`, whose variables (MSBuild's, the test platform's, the SDK's own)
        // would point the child at the parent's build; the child gets a plain user's environment instead.
        foreach (var name in start.Environment.Keys.Where(k => !Kept.Contains(k)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', args)} did not finish within {timeout}:{Environment.NewLine}{Text(output)}");
        }

        // The parameterless wait also waits for the end of the redirected output.
        await process.WaitForExitAsync();
        var text = Text(output);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {process.ExitCode}:{Environment.NewLine}{text}");
        return text;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
