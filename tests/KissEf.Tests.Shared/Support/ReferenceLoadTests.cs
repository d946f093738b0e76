using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// Issue 18, item 4: Microsoft eShop's Ordering maps <c>HasIdentity(o =&gt; o.Buyer.IdentityGuid)</c>, and some of its
/// handlers change an order without loading its buyer. KissEf loads the buyers its calls read before the save's
/// commands, one query per navigation for the whole save, without tracking them: the calls are delivered with the
/// buyer's identity, and the application's change tracker is as it left it. The tests of one database:
/// <c>KissEf.FunctionalTests</c> runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c> on the private PostgreSQL server.
/// </summary>
public abstract class ReferenceLoadTests : OutboxTestBase
{
    protected abstract Provider Provider { get; }

    [Fact]
    public async Task A_status_change_of_an_order_whose_buyer_is_not_loaded_is_sent_with_the_buyers_identity_and_tracks_nothing_more()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("alice", 1));

        var tracked = await app.WithContextAsync(async db =>
        {
            var order = await db.Orders.SingleAsync(o => o.Id == orders[0]);
            order.Status = "cancelled";
            await db.SaveChangesAsync();

            // The buyer was read for the call, never attached: the order is still the only entry, saved, without its buyer.
            Assert.Null(order.Buyer);
            return db.ChangeTracker.Entries().Select(e => (e.Entity.GetType().Name, e.State)).ToList();
        });

        Assert.Equal([(nameof(EsOrder), EntityState.Unchanged)], tracked);
        Assert.Equal(1, app.BuyerQueries);

        // The buyer (with its card type, the path goes on through it) was read before EF's save began its transaction.
        Assert.Equal(["SELECT buyers", "BEGIN", "UPDATE orders"], app.Commands);
        await app.FlushAsync();
        var call = Assert.Single(Server.Calls);
        Assert.Equal(
            (Guid("alice"), "Order Status Changed", "cancelled", "Buyer alice", "Visa"),
            (call.Get("_p"), call.Get("_n"), call.Get("status"), call.Get("buyer"), call.Get("card")));

        // The shipment's foreign key is on the shipment (a navigation from the principal's side): not loaded, left out.
        Assert.Null(call.Get("carrier"));
        Assert.Empty(app.Logs.WithEventId(KissEfEventId.CallSkipped));

        // The Debug message names the entity, the navigation and how many rows, never a value.
        var loaded = Assert.Single(app.Logs.WithEventId(KissEfEventId.RowsLoaded));
        Assert.Equal(LogLevel.Debug, loaded.Level);
        Assert.Equal(nameof(KissEfEventId.RowsLoaded), loaded.EventId.Name);
        Assert.Equal(
            $"KissEf loaded 1 row(s) of {nameof(EsBuyer)} through {nameof(EsOrder)}.Buyer (not loaded by the application) for the calls of 1 change(s) of a save.",
            loaded.Message);
    }

    [Fact]
    public async Task Many_orders_of_several_buyers_in_one_save_load_the_buyers_in_one_query_and_an_order_without_a_buyer_loads_nothing()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("ann", 3), ("bob", 2), ("cat", 1), (null, 1));

        // The application's query filter hides a closed buyer; its foreign key still names it.
        await app.WithContextAsync(db => db.Database.ExecuteSqlAsync($"UPDATE buyers SET closed = {true} WHERE identity_guid = {Guid("cat")}"));

        app.WithContext(db =>
        {
            foreach (var order in db.Orders.ToList())
            {
                order.Status = "shipped";
            }

            // A synchronous save loads synchronously.
            db.SaveChanges();
            Assert.Equal(orders.Length, db.ChangeTracker.Entries().Count());
            Assert.All(db.ChangeTracker.Entries(), e => Assert.Equal(EntityState.Unchanged, e.State));
            Assert.All(db.ChangeTracker.Entries(), e => Assert.IsType<EsOrder>(e.Entity));
        });

        Assert.Equal(1, app.BuyerQueries);
        await app.FlushAsync();
        Assert.Equal(
            [Guid("ann"), Guid("ann"), Guid("ann"), Guid("bob"), Guid("bob"), Guid("cat")],
            Server.Calls.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));
        Assert.All(Server.Calls, c => Assert.Equal("Buyer " + c.Get("_p")![..3], c.Get("buyer")));

        // The order without a buyer has no identity, as before: its call is skipped with warning 1001.
        Assert.Single(app.Logs.WithEventId(KissEfEventId.CallSkipped));
        Assert.Contains("3 row(s)", Assert.Single(app.Logs.WithEventId(KissEfEventId.RowsLoaded)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_whose_buyer_is_loaded_needs_no_query()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("dan", 1));

        await app.WithContextAsync(async db =>
        {
            var order = await db.Orders.Include(o => o.Buyer!).ThenInclude(b => b.CardType).SingleAsync(o => o.Id == orders[0]);
            app.ResetBuyerQueries();
            order.Status = "paid";
            await db.SaveChangesAsync();
        });

        Assert.Equal(0, app.BuyerQueries);
        Assert.Empty(app.Logs.WithEventId(KissEfEventId.RowsLoaded));
        await app.FlushAsync();
        Assert.Equal(Guid("dan"), Assert.Single(Server.Calls).Get("_p"));
    }

    [Fact]
    public async Task A_deleted_order_whose_buyer_is_not_loaded_is_sent_with_its_buyer_as_it_was()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("eve", 1));

        await app.WithContextAsync(async db =>
        {
            db.Orders.Remove(await db.Orders.SingleAsync(o => o.Id == orders[0]));
            await db.SaveChangesAsync();
            Assert.Empty(db.ChangeTracker.Entries());
        });

        await app.FlushAsync();
        var call = Assert.Single(Server.Calls);
        Assert.Equal((Guid("eve"), "Order Deleted", "Buyer eve"), (call.Get("_p"), call.Get("_n"), call.Get("buyer")));
        Assert.Equal(1, app.BuyerQueries);
    }

    [Fact]
    public async Task The_load_runs_in_the_users_transaction_and_a_rollback_sends_nothing()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("fay", 1));

        await app.WithContextAsync(async db =>
        {
            // A buyer only this transaction sees: the load must run in it to find it.
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await db.Database.ExecuteSqlAsync($"INSERT INTO buyers (id, identity_guid, name, closed) VALUES (900, {Guid("gus")}, 'Buyer gus', {false})");
                var order = await db.Orders.SingleAsync(o => o.Id == orders[0]);
                order.BuyerId = 900;
                order.Status = "moved";
                await db.SaveChangesAsync();
                await transaction.RollbackAsync();
            }

            db.ChangeTracker.Clear();
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await db.Database.ExecuteSqlAsync($"INSERT INTO buyers (id, identity_guid, name, closed) VALUES (901, {Guid("hal")}, 'Buyer hal', {false})");
                var order = await db.Orders.SingleAsync(o => o.Id == orders[0]);
                order.BuyerId = 901;
                order.Status = "moved again";
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            }
        });

        await app.FlushAsync();
        var call = Assert.Single(Server.Calls);
        Assert.Equal((Guid("hal"), "moved again"), (call.Get("_p"), call.Get("status")));
        Assert.Equal(2, app.BuyerQueries);
    }

    [Fact]
    public async Task A_load_that_fails_is_a_warning_that_costs_only_the_calls_that_read_it()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("ivy", 1));
        app.FailBuyerQueries = true;

        await app.WithContextAsync(async db =>
        {
            var order = await db.Orders.SingleAsync(o => o.Id == orders[0]);
            order.Status = "lost";
            db.Notes.Add(new EsNote { Text = "saved" });
            await db.SaveChangesAsync();
        });

        var failed = Assert.Single(app.Logs.WithEventId(KissEfEventId.RowsLoadFailed));
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains($"{nameof(EsBuyer)} through {nameof(EsOrder)}.Buyer", failed.Message, StringComparison.Ordinal);
        Assert.Single(app.Logs.WithEventId(KissEfEventId.CallSkipped));
        var saved = await app.WithContextAsync(async db => (await db.Orders.SingleAsync()).Status + "/" + (await db.Notes.SingleAsync()).Text);
        Assert.Equal("lost/saved", saved);
        await app.FlushAsync();
        Assert.Equal(["Note Added"], Server.Calls.Select(c => c.Get("_n")));
    }

    [Fact]
    public async Task A_When_filter_runs_on_the_object_and_so_does_not_see_a_loaded_buyer()
    {
        await using var app = await StartAsync();
        var orders = await app.SeedAsync(("jon", 1));

        await app.WithContextAsync(async db =>
        {
            var order = await db.Orders.SingleAsync(o => o.Id == orders[0]);
            order.Priority = 2;
            await db.SaveChangesAsync();
        });

        await app.FlushAsync();
        Assert.Empty(Server.Calls);
        Assert.Equal(1, app.BuyerQueries);
    }

    /// <summary>The person of a buyer key: a GUID in eShop, here a readable text that starts with the key.</summary>
    private static string Guid(string key) => key + "-0000-identity";

    private async Task<App> StartAsync()
    {
        var connection = await Providers.CreateDatabaseAsync(Provider, Database);
        var app = App.Create(connection, Server.Endpoint);
        await app.WithContextAsync(db => db.Database.EnsureCreatedAsync());
        return app;
    }

    /// <summary>eShop's buyer: its identity is a GUID of the identity service.</summary>
    public sealed class EsBuyer
    {
        public int Id { get; set; }

        public string IdentityGuid { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public int? CardTypeId { get; set; }

        public EsCardType? CardType { get; set; }

        /// <summary>A closed buyer is hidden by the application's query filter.</summary>
        public bool Closed { get; set; }
    }

    /// <summary>A buyer's card type: a row the buyer refers to.</summary>
    public sealed class EsCardType
    {
        public int Id { get; set; }

        public string Name { get; set; } = string.Empty;
    }

    /// <summary>eShop's order: a normal relationship to its buyer, by the foreign key <c>BuyerId</c> (null for a draft).</summary>
    public sealed class EsOrder
    {
        public int Id { get; set; }

        public int? BuyerId { get; set; }

        public EsBuyer? Buyer { get; set; }

        public string Status { get; set; } = "submitted";

        public int Priority { get; set; }

        public EsShipment? Shipment { get; set; }
    }

    /// <summary>An order's shipment: the foreign key is on the shipment, so the order reaches it from the principal's side.</summary>
    public sealed class EsShipment
    {
        public int Id { get; set; }

        public int OrderId { get; set; }

        public string Carrier { get; set; } = string.Empty;
    }

    /// <summary>An entity whose map reads no other row: its calls are sent whatever happens to the orders' loads.</summary>
    public sealed class EsNote
    {
        public int Id { get; set; }

        public string Text { get; set; } = string.Empty;
    }

    /// <summary>The ordering context.</summary>
    public sealed class EShopContext(DbContextOptions<EShopContext> options) : DbContext(options)
    {
        public DbSet<EsOrder> Orders => Set<EsOrder>();

        public DbSet<EsBuyer> Buyers => Set<EsBuyer>();

        public DbSet<EsNote> Notes => Set<EsNote>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<EsBuyer>(b =>
            {
                b.ToTable("buyers");
                b.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
                b.Property(x => x.IdentityGuid).HasColumnName("identity_guid");
                b.Property(x => x.Name).HasColumnName("name");
                b.Property(x => x.Closed).HasColumnName("closed");
                b.HasQueryFilter(x => !x.Closed);
            });
            modelBuilder.Entity<EsCardType>().ToTable("card_types").Property(x => x.Id).ValueGeneratedNever();
            modelBuilder.Entity<EsOrder>().ToTable("orders").HasOne(o => o.Buyer).WithMany().HasForeignKey(o => o.BuyerId);
            modelBuilder.Entity<EsNote>().ToTable("notes");
            modelBuilder.Entity<EsShipment>().ToTable("shipments").HasOne<EsOrder>().WithOne(o => o.Shipment).HasForeignKey<EsShipment>(x => x.OrderId);
        }
    }

    /// <summary>Counts the application's queries of the buyers table (and fails them when asked), and notes the order of its commands.</summary>
    private sealed class BuyerQueries : DbCommandInterceptor, IDbTransactionInterceptor
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _commands = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>"SELECT buyers", "BEGIN" and "UPDATE orders": a read of the buyers, a transaction started, an update of the orders.</summary>
        public IReadOnlyList<string> Commands => [.. _commands];

        public bool Fail { get; set; }

        public void Reset()
        {
            Volatile.Write(ref _count, 0);
            _commands.Clear();
        }

        public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
        {
            _commands.Enqueue("BEGIN");
            return result;
        }

        public ValueTask<DbTransaction> TransactionStartedAsync(
            DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
        {
            _commands.Enqueue("BEGIN");
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            Observe(command);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Observe(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Observe(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Observe(command);
            return ValueTask.FromResult(result);
        }

        private void Observe(DbCommand command)
        {
            if (command.CommandText.Contains("UPDATE \"orders\"", StringComparison.Ordinal) || command.CommandText.Contains("UPDATE orders", StringComparison.Ordinal))
            {
                _commands.Enqueue("UPDATE orders");
            }

            // SQLite quotes every name, Npgsql only those that need it.
            if (command.CommandText.Contains("FROM \"buyers\"", StringComparison.Ordinal) || command.CommandText.Contains("FROM buyers", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
                _commands.Enqueue("SELECT buyers");
                if (Fail)
                {
                    throw new InvalidOperationException("The buyers table is unavailable (test).");
                }
            }
        }
    }

    /// <summary>A host whose maps read the buyer through the order (identity, a property and a When filter).</summary>
    private sealed class App : IAsyncDisposable
    {
        private readonly TestHostCore _core;
        private readonly BuyerQueries _queries;

        private App(TestHostCore core, TestLogCollector logs, BuyerQueries queries)
        {
            _core = core;
            Logs = logs;
            _queries = queries;
        }

        public TestLogCollector Logs { get; }

        public int BuyerQueries => _queries.Count;

        public IReadOnlyList<string> Commands => _queries.Commands;

        public bool FailBuyerQueries
        {
            set => _queries.Fail = value;
        }

        public static App Create(string connection, Uri endpoint)
        {
            var logs = new TestLogCollector();
            var queries = new BuyerQueries();
            var builder = OutboxTestHost.CreateBuilder<EShopContext>(
                logs,
                connection,
                endpoint,
                maps: kiss => kiss
                    .Entity<EsOrder>(o =>
                    {
                        o.HasIdentity(x => x.Buyer!.IdentityGuid);
                        o.OnChanged(x => x.Status).Record("Order Status Changed")
                            .With("status", x => x.Status)
                            .With("buyer", x => x.Buyer!.Name)
                            .With("card", x => x.Buyer!.CardType!.Name)
                            .With("carrier", x => x.Shipment!.Carrier);
                        o.OnChanged(x => x.Priority).When(x => x.Buyer != null).Record("Order Prioritized");
                        o.OnDeleted().Record("Order Deleted").With("buyer", x => x.Buyer!.Name);
                    })
                    .Entity<EsNote>(n =>
                    {
                        n.HasIdentity(x => x.Text);
                        n.OnAdded().Record("Note Added");
                    }),
                context: db => db.AddInterceptors(queries));
            return new App(new TestHostCore(builder.Build()), logs, queries);
        }

        public void ResetBuyerQueries() => _queries.Reset();

        /// <summary>Adds buyers and their orders (a null buyer: orders without one); returns the orders' keys. Counts from zero after.</summary>
        public async Task<int[]> SeedAsync(params (string? Buyer, int Orders)[] buyers)
        {
            var ids = await WithContextAsync(async db =>
            {
                var orders = new List<EsOrder>();
                var card = new EsCardType { Id = 1, Name = "Visa" };
                var id = 1;
                foreach (var (key, count) in buyers)
                {
                    var buyer = key is null ? null : new EsBuyer { Id = id++, IdentityGuid = Guid(key), Name = "Buyer " + key, CardType = card };
                    orders.AddRange(Enumerable.Range(0, count).Select(_ => new EsOrder { Buyer = buyer, Shipment = new EsShipment { Carrier = "Post" } }));
                }

                db.Orders.AddRange(orders);
                await db.SaveChangesAsync();
                return orders.Select(o => o.Id).ToArray();
            });

            // The seed's calls (none: the maps track no addition of orders) are not the test's.
            ResetBuyerQueries();
            return ids;
        }

        public async Task<T> WithContextAsync<T>(Func<EShopContext, Task<T>> work)
        {
            using var scope = _core.Services.CreateScope();
            return await work(scope.ServiceProvider.GetRequiredService<EShopContext>());
        }

        public Task WithContextAsync(Func<EShopContext, Task> work)
            => WithContextAsync(async db =>
            {
                await work(db);
                return 0;
            });

        public void WithContext(Action<EShopContext> work)
        {
            using var scope = _core.Services.CreateScope();
            work(scope.ServiceProvider.GetRequiredService<EShopContext>());
        }

        public Task FlushAsync() => _core.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        public ValueTask DisposeAsync()
        {
            _core.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
