using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Privacy;

/// <summary>
/// Issue 20, item 1: consent holds for the testing kit's recorder too (a refused person's calls are never recorded),
/// and with a pooled context the consent service comes from the root provider, as <c>IdentifiedBy</c>'s does.
/// </summary>
public sealed class ConsentRecorderAndPoolTests : IDisposable
{
    private const string Refused = "bob@outbox.test";

    private readonly SqliteDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_recorder_never_holds_a_refused_persons_call_with_a_scoped_or_a_pooled_context(bool pooled)
    {
        using var host = await StartAsync(pooled);

        await SaveAsync(host, "ann@outbox.test", Refused);
        await SaveAsync(host, "cy@outbox.test", "bob2@outbox.test");

        var persons = host.Services.GetRequiredService<KissRecorder>().Calls.Select(c => c.Person).Order(StringComparer.Ordinal);
        Assert.Equal(["ann@outbox.test", "bob2@outbox.test", "cy@outbox.test"], persons);

        // Each save's scope gave its own consent service; a pooled context's root provider gave one for both saves.
        Assert.Equal(pooled ? 1 : 2, host.Services.GetRequiredService<ConsentInstances>().Count);
    }

    private async Task<IHost> StartAsync(bool pooled)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ConsentInstances>();
        builder.Services.AddKissTracking(kiss => kiss.UseRecorder().UseConsent<CountingConsent>().MapCustomers());
        if (pooled)
        {
            builder.Services.AddDbContextPool<OutboxShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        }
        else
        {
            builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        }

        var host = builder.Build();
        await host.StartAsync();
        using var scope = host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<OutboxShopContext>().Database.EnsureCreatedAsync();
        return host;
    }

    private static async Task SaveAsync(IHost host, params string[] emails)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        db.Customers.AddRange(emails.Select(e => new OutboxCustomer { Email = e, Name = e }));
        await db.SaveChangesAsync();
    }

    /// <summary>The consent service instances that answered.</summary>
    private sealed class ConsentInstances
    {
        private readonly HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);

        public int Count
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }

        public void Saw(object consent)
        {
            lock (_seen)
            {
                _seen.Add(consent);
            }
        }
    }

    /// <summary>Refuses bob; notes which instance answered.</summary>
    private sealed class CountingConsent(ConsentInstances instances) : IKissConsent
    {
        public bool MayTrack(string person)
        {
            instances.Saw(this);
            return person != Refused;
        }
    }
}
