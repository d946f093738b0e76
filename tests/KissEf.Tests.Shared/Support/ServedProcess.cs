using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KissEf.Tests.Support;

/// <summary>
/// A .NET child process of the tests: started with its output captured, watched for lines, and stopped the way the
/// test needs: SIGTERM (<c>kill -TERM</c>, as a container runtime or systemd stops it), SIGKILL (a crash), or its stdin
/// closed. Its stdin is kept open and never written: every child of the tests (tests/KissEf.CrashHost,
/// tests/KissEf.DispatcherHost, tests/KissEf.WebHost) stops when it closes, so an orphan never outlives the test run.
/// <see cref="DispatcherHostProcess"/> and <see cref="OutboxCrashHostProcess"/> are this with their child's arguments.
/// </summary>
public sealed class ServedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    // Completed (and replaced) at every line the child writes, and at its exit: waiters wake on output, not on a timer.
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServedProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the child wrote so far, stdout and stderr interleaved as received.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/> <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>
    /// (default: the assembly's folder), with <paramref name="environment"/> added to its environment.
    /// </summary>
    public static ServedProcess Start(
        string assembly, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // The child's own configuration decides its logging: nothing of the test runner's environment.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ServedProcess(process);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnOutput(e.Data);
        process.Exited += (_, _) => child.OnOutput(null);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a line for which <paramref name="match"/> is true and returns it; fails after <paramref name="timeout"/> or when the child exits.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (Lines(_output.ToString()).FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited)
            {
                Assert.Fail($"Process {ProcessId} did not write {what} within {timeout}{(_process.HasExited ? " (it exited)" : string.Empty)}.{Environment.NewLine}{Output}");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", ProcessId.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Process {ProcessId} did not exit within {timeout} of SIGTERM.{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL (TerminateProcess on Windows): no finally block, no shutdown, no lease given back, no flush.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(wait.Token);
    }

    /// <summary>A clean stop: stdin closes and the child's host stops (a dispatcher drains, then gives back its leases).</summary>
    public async Task CloseInputAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _process.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(wait.Token);
    }

    /// <summary>The lines of <paramref name="text"/>, without line ends.</summary>
    public static IEnumerable<string> Lines(string text)
        => (text ?? string.Empty).Split('\n').Select(l => l.TrimEnd('\r'));

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

    private void OnOutput(string? line)
    {
        lock (_gate)
        {
            if (line is not null)
            {
                _output.AppendLine(line);
            }

            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
