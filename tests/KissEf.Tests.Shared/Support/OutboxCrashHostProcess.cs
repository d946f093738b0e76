using System.Diagnostics;
using System.Text;

namespace KissEf.Tests.Support;

/// <summary>
/// Runs tests/KissEf.CrashHost as a real child process (<c>dotnet KissEf.CrashHost.dll db endpoint</c>). The test
/// project builds it through a ProjectReference with ReferenceOutputAssembly="false" and records the path of its
/// output as assembly metadata "KissEfCrashHostPath" (see KissEf.Tests.csproj).
/// </summary>
public sealed class OutboxCrashHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OutboxCrashHostProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The path of KissEf.CrashHost.dll as recorded at build time.</summary>
    public static string HostAssemblyPath => ChildDotnet.RecordedAssembly("KissEfCrashHostPath");

    public static OutboxCrashHostProcess Start(string databasePath, Uri endpoint, string? mode = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // Kept open and never written: the child leaves by itself if the pipe closes (this test process died).
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostAssemblyPath);
        if (mode is not null)
        {
            start.ArgumentList.Add(mode);
        }

        start.ArgumentList.Add(databasePath);
        start.ArgumentList.Add(endpoint.AbsoluteUri);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new OutboxCrashHostProcess(process);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._gate)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => child._committed.TrySetException(
            new InvalidOperationException($"The crash host exited (code {SafeExitCode(process)}) before committing.{Environment.NewLine}{child.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>What the child printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return $"stdout:{Environment.NewLine}{_stdout}stderr:{Environment.NewLine}{_stderr}";
            }
        }
    }

    /// <summary>Waits for "COMMITTED &lt;n&gt;" and returns n; fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForCommittedAsync(TimeSpan timeout)
    {
        try
        {
            return await _committed.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The crash host did not print COMMITTED within {timeout}.{Environment.NewLine}{Output}");
            throw;
        }
    }

    /// <summary>SIGKILL (on Unix; TerminateProcess on Windows): no finally block, no shutdown, no flush in the child.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(wait.Token);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _stdout.AppendLine(line);
        }

        const string prefix = "COMMITTED ";
        if (line.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            _committed.TrySetResult(count);
        }
    }
}
