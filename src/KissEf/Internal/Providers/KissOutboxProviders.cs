using KissEf.Internal.Outbox;
using KissEf.Internal.Providers.PostgreSql;
using KissEf.Internal.Providers.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Providers;

/// <summary>
/// The one place a provider is chosen: a context's provider from its EF provider name, else the portable fallback.
/// A provider of its own (SQL Server, say) is a folder beside <c>PostgreSql/</c> and <c>Sqlite/</c> with a
/// <see cref="KissOutboxProvider"/>, and one entry in <see cref="Known"/>.
/// </summary>
internal sealed class KissOutboxProviders : IKissOutboxProviders
{
    private static readonly KissOutboxProvider[] Known = [KissPostgreSqlOutboxProvider.Instance, KissSqliteOutboxProvider.Instance];

    public KissOutboxProvider For(DbContext db) => Named(db.Database.ProviderName);

    /// <summary>The provider of an EF provider name (<c>DatabaseFacade.ProviderName</c>).</summary>
    public static KissOutboxProvider Named(string? providerName)
    {
        foreach (var provider in Known)
        {
            if (provider.ProviderName == providerName)
            {
                return provider;
            }
        }

        return KissPortableOutboxProvider.Instance;
    }

    /// <summary>What every known provider adds to EF's internal services of a tracked context that uses the outbox.</summary>
    public static void AddContextServices(IServiceCollection services, string? outboxTable)
    {
        if (outboxTable is null)
        {
            return;
        }

        foreach (var provider in Known)
        {
            provider.AddContextServices(services);
        }
    }
}
