using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KissEf.Tests.Support;

/// <summary>
/// Runs tests/KissEf.DispatcherHost as a real child process (<c>dotnet KissEf.DispatcherHost.dll ...</c>): one
/// application instance whose outbox dispatcher drains a shared PostgreSQL outbox. The test project records the path
/// of its output as assembly metadata "KissEfDispatcherHostPath" (see KissEf.Tests.csproj).
/// </summary>
public sealed class DispatcherHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DispatcherHostProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the child printed so far (its warnings and errors), for failure messages.</summary>
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

    public static DispatcherHostProcess Start(string connectionString, Uri endpoint, TimeSpan lease, TimeSpan poll)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var recorded = ChildDotnet.RecordedAssembly("KissEfDispatcherHostPath");
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // Kept open and never written: the child stops when it closes (Dispose, or this test process dying).
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(recorded!);
        start.ArgumentList.Add(connectionString);
        start.ArgumentList.Add(endpoint.AbsoluteUri);
        start.ArgumentList.Add(((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(((int)poll.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new DispatcherHostProcess(process);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnOutput(e.Data);
        process.Exited += (_, _) => child._started.TrySetException(new InvalidOperationException("The dispatcher host exited before it started."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for "STARTED": the child's dispatcher runs.</summary>
    public async Task WaitForStartedAsync(TimeSpan timeout)
    {
        try
        {
            await _started.Task.WaitAsync(timeout);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            Assert.Fail($"Dispatcher host {ProcessId} did not start within {timeout}: {exception.Message}{Environment.NewLine}{Output}");
        }
    }

    /// <summary>SIGKILL: no finally block, no shutdown, no lease given back.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(wait.Token);
    }

    /// <summary>A clean stop: stdin closes, the child's host stops (its dispatcher drains, then gives back its leases).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _process.StandardInput.Close();
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

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("STARTED ", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }
}
