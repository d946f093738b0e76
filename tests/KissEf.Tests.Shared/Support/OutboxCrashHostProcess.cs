using System.Globalization;

namespace KissEf.Tests.Support;

/// <summary>
/// tests/KissEf.CrashHost as a real child process (<c>dotnet KissEf.CrashHost.dll [mode] db endpoint</c>): it commits
/// tracked changes, prints "COMMITTED &lt;n&gt;" and waits to be killed. KissEf.ProcessTests builds it through a
/// ProjectReference with ReferenceOutputAssembly="false" and records the path of its output as assembly metadata
/// "KissEfCrashHostPath".
/// </summary>
public sealed class OutboxCrashHostProcess : IDisposable
{
    private const string Committed = "COMMITTED ";
    private readonly ServedProcess _child;

    private OutboxCrashHostProcess(ServedProcess child) => _child = child;

    public int ProcessId => _child.ProcessId;

    public bool HasExited => _child.HasExited;

    /// <summary>What the child printed so far, for failure messages.</summary>
    public string Output => _child.Output;

    /// <summary>The path of KissEf.CrashHost.dll as recorded at build time.</summary>
    public static string HostAssemblyPath => ChildDotnet.RecordedAssembly("KissEfCrashHostPath");

    public static OutboxCrashHostProcess Start(string databasePath, Uri endpoint, string? mode = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        string[] arguments = mode is null ? [databasePath, endpoint.AbsoluteUri] : [mode, databasePath, endpoint.AbsoluteUri];
        return new OutboxCrashHostProcess(ServedProcess.Start(HostAssemblyPath, arguments));
    }

    /// <summary>Waits for "COMMITTED &lt;n&gt;" and returns n; fails after <paramref name="timeout"/> or when the child exits.</summary>
    public async Task<int> WaitForCommittedAsync(TimeSpan timeout)
    {
        var line = await _child.WaitForLineAsync(
            l => l.StartsWith(Committed, StringComparison.Ordinal) && int.TryParse(l.AsSpan(Committed.Length), CultureInfo.InvariantCulture, out _),
            "COMMITTED",
            timeout);
        return int.Parse(line.AsSpan(Committed.Length), CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL (on Unix; TerminateProcess on Windows): no finally block, no shutdown, no flush in the child.</summary>
    public Task KillAsync() => _child.KillAsync();

    public void Dispose() => _child.Dispose();
}
