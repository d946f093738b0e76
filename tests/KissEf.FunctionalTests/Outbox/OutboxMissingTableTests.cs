using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3: a database without the outbox table (created before KissEf was added, not yet migrated) fails on the
/// first tracked save with a message that says what to run, not a raw SQL error; and the change is not committed.
/// </summary>
public sealed class OutboxMissingTableTests : OutboxTestBase
{
    public enum Schema
    {
        /// <summary>Created by a context that does not use KissEf.</summary>
        CreatedWithoutKissEf,

        /// <summary>Created with the table, which was then dropped.</summary>
        TableDropped,
    }

    [Theory]
    [InlineData(Schema.CreatedWithoutKissEf, false, 1)]
    [InlineData(Schema.CreatedWithoutKissEf, true, 1)]
    [InlineData(Schema.CreatedWithoutKissEf, false, 3)]
    [InlineData(Schema.CreatedWithoutKissEf, true, 3)]
    [InlineData(Schema.TableDropped, true, 1)]
    [InlineData(Schema.TableDropped, false, 3)]
    public async Task The_first_tracked_save_explains_what_to_run_and_commits_nothing(Schema schema, bool async, int customers)
    {
        await using var host = CreateHost();
        await CreateSchemaAsync(host, schema);
        Assert.False(OutboxRows.TableExists(Database));

        var error = await host.WithContextAsync(async db =>
        {
            db.Customers.AddRange(OutboxTestHost.Customers("m", 0, customers));
            return async
                ? await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync())
                : Assert.Throws<InvalidOperationException>(() => db.SaveChanges());
        });

        Assert.Contains("dotnet ef migrations add", error.Message, StringComparison.Ordinal);
        Assert.Contains(OutboxRows.Table, error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OutboxShopContext), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(OutboxShop.ApiKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, OutboxRows.CountCustomers(Database));
    }

    [Fact]
    public async Task Without_the_table_a_user_transaction_never_commits_the_change_without_its_calls()
    {
        await using var host = CreateHost();
        await CreateSchemaAsync(host, Schema.CreatedWithoutKissEf);

        // The save (or the commit) must fail; whichever does, the change must not end up committed without its calls.
        Exception? failure = null;
        await host.WithContextAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Customers.Add(OutboxTestHost.Customer("tx-0"));
            try
            {
                await db.SaveChangesAsync();
            }
            catch (InvalidOperationException exception)
            {
                // EF's contract for a failed save in a user transaction: its own statements were undone (savepoint),
                // the transaction is still usable and may be committed with the other saves' work.
                failure = exception;
            }

            db.ChangeTracker.Clear();
            try
            {
                await tx.CommitAsync();
            }
            catch (InvalidOperationException exception)
            {
                failure ??= exception;
            }
        });

        Assert.NotNull(failure);
        Assert.Contains("dotnet ef migrations add", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, OutboxRows.CountCustomers(Database));
    }

    private async Task CreateSchemaAsync(OutboxTestHost host, Schema schema)
    {
        if (schema == Schema.CreatedWithoutKissEf)
        {
            var options = new DbContextOptionsBuilder<OutboxPlainShopContext>().UseSqlite(Database.ConnectionString).Options;
            await using var plain = new OutboxPlainShopContext(options);
            await plain.Database.EnsureCreatedAsync();
        }
        else
        {
            await host.EnsureCreatedAsync();
            Assert.True(OutboxRows.TableExists(Database));
            OutboxRows.Execute(Database, $"DROP TABLE {OutboxRows.Table}");
        }

        Assert.Equal(0, OutboxRows.CountCustomers(Database));
    }
}
