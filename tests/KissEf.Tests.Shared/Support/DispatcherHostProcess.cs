using System.Globalization;

namespace KissEf.Tests.Support;

/// <summary>
/// tests/KissEf.DispatcherHost as a real child process (<c>dotnet KissEf.DispatcherHost.dll ...</c>): one application
/// instance whose outbox dispatcher drains a shared outbox. KissEf.ProcessTests records the path of its output as
/// assembly metadata "KissEfDispatcherHostPath".
/// </summary>
public sealed class DispatcherHostProcess : IDisposable
{
    private readonly ServedProcess _child;

    private DispatcherHostProcess(ServedProcess child) => _child = child;

    public int ProcessId => _child.ProcessId;

    public bool HasExited => _child.HasExited;

    /// <summary>What the child printed so far (its warnings and errors), for failure messages.</summary>
    public string Output => _child.Output;

    public static DispatcherHostProcess Start(string connectionString, Uri endpoint, TimeSpan lease, TimeSpan poll)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new DispatcherHostProcess(ServedProcess.Start(
            ChildDotnet.RecordedAssembly("KissEfDispatcherHostPath"),
            [
                connectionString,
                endpoint.AbsoluteUri,
                ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                ((int)poll.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ]));
    }

    /// <summary>
    /// The tenants mode: a dispatcher over a database per tenant (<paramref name="tenants"/>: id → connection string),
    /// with the tenant tests' context and map (tests/KissEf.Tests.Shared/Support/Tenants).
    /// </summary>
    public static DispatcherHostProcess StartTenants(IReadOnlyDictionary<string, string> tenants, Uri endpoint, TimeSpan lease, TimeSpan poll)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(endpoint);
        return new DispatcherHostProcess(ServedProcess.Start(
            ChildDotnet.RecordedAssembly("KissEfDispatcherHostPath"),
            [
                "tenants",
                endpoint.AbsoluteUri,
                ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                ((int)poll.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                .. tenants.Select(t => $"{t.Key}={t.Value}"),
            ]));
    }

    /// <summary>Waits for "STARTED": the child's dispatcher runs; fails after <paramref name="timeout"/> or when the child exits.</summary>
    public Task WaitForStartedAsync(TimeSpan timeout)
        => _child.WaitForLineAsync(line => line.StartsWith("STARTED ", StringComparison.Ordinal), "STARTED", timeout);

    /// <summary>SIGKILL: no finally block, no shutdown, no lease given back.</summary>
    public Task KillAsync() => _child.KillAsync();

    /// <summary>A clean stop: stdin closes, the child's host stops (its dispatcher drains, then gives back its leases).</summary>
    public Task StopAsync() => _child.CloseInputAsync();

    public void Dispose() => _child.Dispose();
}
