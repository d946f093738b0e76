using KissEf.Outbox;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 17, item 1, on the private PostgreSQL server: see <see cref="AppModelOutboxTests"/>.</summary>
public sealed class AppModelOutboxPostgresTests : AppModelOutboxTests
{
    protected override Provider Provider => Provider.Postgres;

    [Fact]
    public async Task A_model_wide_HiLo_leaves_the_outbox_key_an_identity_column_and_saves_commit_and_are_delivered()
    {
        var connection = await Providers.CreateDatabaseAsync(Provider, Database);
        await using var host = new TenantConventionHost<HiLoTenantContext>(connection, Server.Endpoint);
        var strategies = await host.WithContextAsync(async db =>
        {
            await db.Database.EnsureCreatedAsync();
            return (
                Customer: NpgsqlPropertyExtensions.GetValueGenerationStrategy(db.Model.FindEntityType(typeof(OutboxCustomer))!.FindPrimaryKey()!.Properties[0]),
                Outbox: NpgsqlPropertyExtensions.GetValueGenerationStrategy(db.Model.FindEntityType(typeof(KissOutboxMessage))!.FindPrimaryKey()!.Properties[0]));
        });

        // The application's keys stay HiLo; KissEf's INSERT leaves its key to the database.
        Assert.Equal((NpgsqlValueGenerationStrategy.SequenceHiLo, NpgsqlValueGenerationStrategy.IdentityByDefaultColumn), strategies);
        await host.AddCustomersAsync("t1", OutboxTestHost.Customer("ann"), OutboxTestHost.Customer("bob"));
        await host.Dispatcher.FlushAsync();
        Assert.Equal([OutboxTestHost.EmailOf("ann"), OutboxTestHost.EmailOf("bob")], Server.Calls.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));
    }
}
