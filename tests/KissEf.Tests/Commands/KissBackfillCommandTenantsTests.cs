using System.Text.RegularExpressions;
using KissEf.Commands;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Commands;

/// <summary>
/// <c>kissef backfill</c> in an app with <c>UseTenants</c> (docs/operations.md): every tenant's rows, each into its own
/// outbox or all into one import file, the entity found in a scope entered for a tenant (the context's connection is
/// the tenant's), progress without a row count (no ETA), and each tenant's figures in the report.
/// </summary>
public sealed class KissBackfillCommandTenantsTests
{
    private static readonly Regex ProgressLine = new(@"^backfill TenantUser: \d+ rows read, \d+ calls written(, \d+ rows/s)?$", RegexOptions.Multiline);

    [Fact]
    public async Task Every_tenant_is_enqueued_into_its_own_outbox_and_reported_with_its_figures()
    {
        var store = new TenantStore();
        using var files = new TenantSqliteFiles(store, 2);
        await using var services = await NewAppAsync(store);

        var (code, output, error) = await RunAsync(services, "backfill", "TenantUser");

        Assert.True(code == 0, output + error);
        Assert.Equal("", error);
        Assert.Equal(
            """
            backfill TenantUser: done: 5 rows read, 5 calls written to the outbox
            backfill TenantUser: tenant t000: 2 rows read, 2 calls written
            backfill TenantUser: tenant t001: 3 rows read, 3 calls written

            """.ReplaceLineEndings("\n"),
            output[output.IndexOf("backfill TenantUser: done:", StringComparison.Ordinal)..]);
        Assert.Matches(ProgressLine, output);
        Assert.Equal(2, OutboxRows.Read(files.Files["t000"]).Sum(r => r.CallCount));
        Assert.Equal(3, OutboxRows.Read(files.Files["t001"]).Sum(r => r.CallCount));
    }

    [Fact]
    public async Task Every_tenants_rows_are_exported_to_one_file_tenant_after_tenant_in_key_order()
    {
        var store = new TenantStore();
        using var files = new TenantSqliteFiles(store, 2);
        await using var services = await NewAppAsync(store);
        var path = Path.Combine(Path.GetTempPath(), "kissef-tests", Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var (code, output, error) = await RunAsync(services, "backfill", "TenantUser", "--export", path);

            Assert.True(code == 0, output + error);
            Assert.Contains($"backfill TenantUser: done: 5 rows read, 5 calls written to {path}\n", output, StringComparison.Ordinal);
            var people = (await File.ReadAllLinesAsync(path)).Select(l => Regex.Match(l, "\"_p2\":\"([^\"]+)\"").Groups[1].Value);
            Assert.Equal(["u1@t000.test", "u2@t000.test", "u1@t001.test", "u2@t001.test", "u3@t001.test"], people);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_tenant_that_fails_does_not_stop_the_others_and_the_one_error_line_names_it()
    {
        var store = new TenantStore();
        using var files = new TenantSqliteFiles(store, 2);
        await using var services = await NewAppAsync(store);
        files.Add(store, "t002");

        var (code, output, error) = await RunAsync(services, "backfill", "TenantUser");

        Assert.True(code == 1, output + error);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kissef backfill: IKissBackfill.EnqueueAllTenantsAsync failed in 1 of 3 tenant(s); the others were backfilled.", line, StringComparison.Ordinal);
        Assert.Contains("KissEf could not backfill tenant 't002': ", line, StringComparison.Ordinal);
        Assert.Equal(2, OutboxRows.Read(files.Files["t000"]).Sum(r => r.CallCount));
        Assert.Equal(3, OutboxRows.Read(files.Files["t001"]).Sum(r => r.CallCount));
    }

    /// <summary>An app of two tenant databases (2 and 3 users, written with SQL: nothing tracked), not started.</summary>
    private static async Task<ServiceProvider> NewAppAsync(TenantStore store)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(store);
        services.AddScoped<TenantContext>();
        services.AddKissTracking(kiss => kiss
            .UseTenants<TestTenants>()
            .UseDryRun()
            .Entity<TenantUser>(u =>
            {
                u.HasIdentity(x => x.Email);
                u.Alias(x => x.Id, x => x.Email);
            }));
        services.AddDbContext<TenantShopContext>((sp, db) => db.UseKissTracking(sp));
        var provider = services.BuildServiceProvider();
        foreach (var (tenant, users) in new[] { ("t000", 2), ("t001", 3) })
        {
            await using var scope = provider.CreateAsyncScope();
            await provider.GetRequiredService<IKissTenants>().EnterAsync(scope.ServiceProvider, tenant, CancellationToken.None);
            var db = scope.ServiceProvider.GetRequiredService<TenantShopContext>();
            await db.Database.EnsureCreatedAsync();
            for (var i = 1; i <= users; i++)
            {
                await db.Database.ExecuteSqlAsync($"INSERT INTO users (Email) VALUES ({$"u{i}@{tenant}.test"})");
            }
        }

        return provider;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(IServiceProvider services, params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = await new KissCommandLine(services, output, error).RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
