namespace KissEf.Tests.Postgres;

/// <summary>
/// One private PostgreSQL server for the provider theories (each test makes a database of its own on it), started on
/// first use and stopped when the test process exits. A missing server fails those tests with the reason.
/// </summary>
public static class SharedPostgres
{
    private static readonly Lazy<Task<PostgresServer>> Server = new(StartAsync);

    public static async Task<PostgresServer> GetAsync()
    {
        var server = await Server.Value;
        if (server.Unavailable is { } reason)
        {
            throw new InvalidOperationException("PostgreSQL is not available: " + reason);
        }

        return server;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        PostgresServer.RemoveStaleFolders();
        var server = new PostgresServer();
        await server.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().GetAwaiter().GetResult();
        return server;
    }
}
