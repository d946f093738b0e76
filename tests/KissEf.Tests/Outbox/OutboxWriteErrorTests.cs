using System.Data.Common;
using KissEf.Internal.Calls;
using KissEf.Internal.Outbox;
using KissEf.Internal.Providers;
using KissEf.Internal.Providers.PostgreSql;
using KissEf.Internal.Providers.Sqlite;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 17, item 1: a failed outbox INSERT suggests a migration only when the provider's error says the table, or a
/// column of it, does not exist: SQLite by its message, PostgreSQL by its SQLSTATE, other providers by the standard
/// SQLSTATE when they set one (null: cannot tell).
/// </summary>
public sealed class OutboxWriteErrorTests
{
    [Theory]
    [InlineData("Sqlite", "SQLite Error 1: 'no such table: kiss_outbox'.", null, true)]
    [InlineData("Sqlite", "SQLite Error 1: 'table kiss_outbox has no column named attempts'.", null, true)]
    [InlineData("Sqlite", "SQLite Error 19: 'NOT NULL constraint failed: kiss_outbox.TenantId'.", null, false)]
    [InlineData("PostgreSql", "42P01: relation \"kiss_outbox\" does not exist", "42P01", true)]
    [InlineData("PostgreSql", "42703: column \"attempts\" of relation \"kiss_outbox\" does not exist", "42703", true)]
    [InlineData("PostgreSql", "3F000: schema \"shop\" does not exist", "3F000", true)]
    [InlineData("PostgreSql", "23502: null value in column \"TenantId\" of relation \"kiss_outbox\" violates not-null constraint", "23502", false)]
    [InlineData("Portable", "Table 'shop.kiss_outbox' doesn't exist", "42S02", true)]
    [InlineData("Portable", "Unknown column 'attempts'", "42S22", true)]
    [InlineData("Portable", "relation does not exist", "42P01", true)]
    [InlineData("Portable", "Duplicate entry", "23000", false)]
    [InlineData("Portable", "Invalid object name 'kiss_outbox'.", null, null)]
    public void A_missing_table_is_told_from_a_refusal_by_the_providers_error(string provider, string message, string? sqlState, bool? missing)
    {
        KissOutboxProvider outbox = provider switch
        {
            "Sqlite" => KissSqliteOutboxProvider.Instance,
            "PostgreSql" => KissPostgreSqlOutboxProvider.Instance,
            _ => KissPortableOutboxProvider.Instance,
        };

        Assert.Equal(missing, outbox.IsMissingTable(new ProviderError(message, sqlState)));
    }

    [Fact]
    public void An_error_that_does_not_tell_is_quoted_with_what_to_run_if_the_table_does_not_exist_yet()
    {
        // SQLite's error as a provider KissEf has no code of its own for would report it: no SQLSTATE.
        using var database = new SqliteDatabase();
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseApiKey("write-error-key").MapCustomers());
        services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var writer = new KissOutboxWriter(100, new PortableOnly());

        var error = Assert.Throws<InvalidOperationException>(
            () => writer.Write(scope.ServiceProvider.GetRequiredService<OutboxShopContext>(), null, [new KissCall("e?_p=a&_n=b", "a call")], 0));

        Assert.Contains("outbox table 'kiss_outbox' (SQLite Error 1: 'no such table: kiss_outbox')", error.Message, StringComparison.Ordinal);
        Assert.Contains("If the table does not exist yet, add it: run 'dotnet ef migrations add AddKissOutbox'", error.Message, StringComparison.Ordinal);
    }

    private sealed class PortableOnly : IKissOutboxProviders
    {
        public KissOutboxProvider For(DbContext db) => KissPortableOutboxProvider.Instance;
    }

    private sealed class ProviderError(string message, string? sqlState) : DbException(message)
    {
        public override string? SqlState => sqlState;
    }
}
