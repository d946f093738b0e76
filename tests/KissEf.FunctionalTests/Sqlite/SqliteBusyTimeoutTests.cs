using System.Collections.Concurrent;
using System.Data.Common;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Sqlite;

/// <summary>
/// Issue 8, item 3: with the outbox, a tracked context's SQLite connections wait for a locked database in SQLite's
/// own busy handler (retries within milliseconds) rather than in Microsoft.Data.Sqlite's 150 ms sleeps, so the
/// dispatcher's short writes never stall a save by 150 ms. The wait is bounded by the command timeout, as before.
/// (The latency itself is measured in bench/, not here.)
/// </summary>
public sealed class SqliteBusyTimeoutTests : OutboxTestBase
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tracked_context_opens_its_connection_with_a_busy_timeout_of_the_default_command_timeout(bool async)
    {
        await using var host = CreateHost();

        var timeout = await host.WithContextAsync(db => BusyTimeoutAsync(db, async));

        Assert.Equal(30_000, timeout);
    }

    [Fact]
    public async Task The_busy_timeout_follows_the_contexts_command_timeout()
    {
        await using var host = CreateHost();

        var timeout = await host.WithContextAsync(db =>
        {
            db.Database.SetCommandTimeout(7);
            return BusyTimeoutAsync(db, async: true);
        });

        Assert.Equal(7_000, timeout);
    }

    [Fact]
    public async Task The_busy_timeout_follows_the_connection_strings_default_timeout()
    {
        await using var host = OutboxTestHost.Create(Database.ConnectionString + ";Default Timeout=12", Server.Endpoint);

        var timeout = await host.WithContextAsync(db => BusyTimeoutAsync(db, async: true));

        Assert.Equal(12_000, timeout);
    }

    [Fact]
    public async Task The_dispatchers_own_connections_get_the_busy_timeout_too()
    {
        var recorder = new BusyTimeoutRecorder();
        using var host = BuildHost(direct: false, recorder);
        using (var scope = host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
            await db.Database.EnsureCreatedAsync();
            db.Customers.Add(OutboxTestHost.Customer("ann"));
            await db.SaveChangesAsync();
        }

        // From here on only the dispatcher opens connections: the claim, the delete.
        recorder.Seen.Clear();
        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        Assert.Single(Server.Calls);
        Assert.NotEmpty(recorder.Seen);
        Assert.All(recorder.Seen, timeout => Assert.Equal(30_000, timeout));
    }

    [Fact]
    public async Task The_busy_timeout_is_set_once_per_pooled_connection()
    {
        // Pooled, as applications' connection strings are (the tests' databases are not): each open below gets the
        // same handle back.
        await using var pool = new PooledDatabase(Database.ConnectionString);
        await using var host = OutboxTestHost.Create(pool.ConnectionString, Server.Endpoint);

        Assert.Equal(30_000, await host.WithContextAsync(db => BusyTimeoutAsync(db, async: true)));

        // Another value set on the pooled handle behind KissEf's back stays: KissEf does not run the PRAGMA on every open.
        await host.WithContextAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 4321";
            await command.ExecuteNonQueryAsync();
            await db.Database.CloseConnectionAsync();
            return 0;
        });

        Assert.Equal(4321, await host.WithContextAsync(db => BusyTimeoutAsync(db, async: true)));
    }

    [Fact]
    public async Task In_WAL_mode_the_dispatchers_connections_commit_without_an_fsync_and_give_the_setting_back()
    {
        var recorder = new PragmaRecorder("synchronous");
        await using var pool = new PooledDatabase(Database.ConnectionString);
        using var host = BuildHost(direct: false, recorder, pool.ConnectionString);
        await SaveOneAsync(host);
        Assert.Equal("wal", await PragmaAsync(host, "journal_mode"));

        // From here on only the dispatcher opens connections: the claim, the delete.
        recorder.Seen.Clear();
        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        Assert.Single(Server.Calls);
        Assert.NotEmpty(recorder.Seen);
        Assert.All(recorder.Seen, synchronous => Assert.Equal(1, synchronous)); // NORMAL

        // The pooled handles the dispatcher used come back to the application as they were: FULL.
        Assert.Equal(2L, await PragmaAsync(host, "synchronous"));
    }

    [Fact]
    public async Task In_a_rollback_journal_the_dispatchers_connections_keep_the_applications_synchronous_setting()
    {
        var recorder = new PragmaRecorder("synchronous");
        await using var pool = new PooledDatabase(Database.ConnectionString);
        using var host = BuildHost(direct: false, recorder, pool.ConnectionString);
        await SaveOneAsync(host);
        Assert.Equal("delete", await PragmaAsync(host, "journal_mode = DELETE"));

        recorder.Seen.Clear();
        await SaveOneAsync(host);
        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        Assert.Equal(2, Server.Calls.Count);
        Assert.NotEmpty(recorder.Seen);
        Assert.All(recorder.Seen, synchronous => Assert.Equal(2, synchronous)); // FULL, the default
    }

    [Fact]
    public async Task Direct_delivery_and_untracked_contexts_leave_the_connection_as_it_is()
    {
        using var direct = BuildHost(direct: true, interceptor: null);
        using (var scope = direct.Services.CreateScope())
        {
            Assert.Equal(0, await BusyTimeoutAsync(scope.ServiceProvider.GetRequiredService<OutboxShopContext>(), async: true));
        }

        await using var plain = new OutboxPlainShopContext(
            new DbContextOptionsBuilder<OutboxPlainShopContext>().UseSqlite(Database.ConnectionString).Options);
        Assert.Equal(0, await BusyTimeoutAsync(plain, async: true));
    }

    [Fact]
    public async Task An_applications_own_busy_timeout_wins()
    {
        // The application's interceptors run after the ones EF's services hold (KissEf's).
        using var host = BuildHost(direct: false, new BusyTimeoutSetter(1234));
        using var scope = host.Services.CreateScope();

        var timeout = await BusyTimeoutAsync(scope.ServiceProvider.GetRequiredService<OutboxShopContext>(), async: true);

        Assert.Equal(1234, timeout);
    }

    private static async Task SaveOneAsync(IHost host)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        await db.Database.EnsureCreatedAsync();
        db.Customers.Add(OutboxTestHost.Customer("ann" + Guid.NewGuid().ToString("N")[..6]));
        await db.SaveChangesAsync();
    }

    /// <summary>Runs a PRAGMA on an application context's connection and returns what it says.</summary>
    private static async Task<object?> PragmaAsync(IHost host, string pragma)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA " + pragma;
            return await command.ExecuteScalarAsync();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Opens the context's connection the way EF does (sync or async) and reads its busy_timeout.</summary>
    private static async Task<long> BusyTimeoutAsync(DbContext db, bool async)
    {
        if (async)
        {
            await db.Database.OpenConnectionAsync();
        }
        else
        {
            db.Database.OpenConnection();
        }

        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA busy_timeout";
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A host (not started) with KissEf and <see cref="OutboxShopContext"/>, plus an application interceptor.</summary>
    private IHost BuildHost(bool direct, IInterceptor? interceptor, string? connectionString = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Services.AddKissTracking(kiss =>
        {
            kiss.UseApiKey(OutboxShop.ApiKey).UseEndpoint(Server.Endpoint).MapCustomers()
                .Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50)));
            if (direct)
            {
                kiss.UseDirectDelivery();
            }
        });
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) =>
        {
            db.UseSqlite(connectionString ?? Database.ConnectionString);
            if (interceptor is not null)
            {
                db.AddInterceptors(interceptor);
            }

            db.UseKissTracking(sp);
        });
        return builder.Build();
    }

    /// <summary>The test database with Microsoft.Data.Sqlite's pool on; the pool is emptied at the end (it holds the file open).</summary>
    private sealed class PooledDatabase(string connectionString) : IAsyncDisposable
    {
        public string ConnectionString { get; } = connectionString.Replace("Pooling=False", "Pooling=True", StringComparison.OrdinalIgnoreCase);

        public ValueTask DisposeAsync()
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads the busy_timeout of every connection the contexts open, after KissEf's interceptor ran.</summary>
    private sealed class BusyTimeoutRecorder() : PragmaRecorder("busy_timeout");

    /// <summary>Reads a PRAGMA of every connection the contexts open, after KissEf's interceptor ran.</summary>
    private class PragmaRecorder(string pragma) : DbConnectionInterceptor
    {
        public ConcurrentQueue<long> Seen { get; } = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Record(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Record(connection);
            return Task.CompletedTask;
        }

        private void Record(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA " + pragma;
            Seen.Enqueue(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>An application that sets its own busy_timeout when a connection opens.</summary>
    private sealed class BusyTimeoutSetter(int milliseconds) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Set(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Set(connection);
            return Task.CompletedTask;
        }

        private void Set(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {milliseconds}";
            command.ExecuteNonQuery();
        }
    }
}
