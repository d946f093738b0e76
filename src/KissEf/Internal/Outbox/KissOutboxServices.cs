using KissEf.Internal.Providers.Sqlite;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Outbox;

/// <summary>What the outbox adds to EF's internal services of a tracked context (given to the options extension by the composition root).</summary>
internal static class KissOutboxServices
{
    /// <summary>The convention that adds the table to the model, SQLite's busy handling for the outbox's writes, and EF's logging of KissEf's own contexts at Debug.</summary>
    public static void Register(IServiceCollection services, string? outboxTable)
    {
        services.AddScoped<IConventionSetPlugin, KissOutboxConventionSetPlugin>();
        KissSqliteBusyInterceptor.Register(services, outboxTable);
        KissOwnLoggerFactory.Register(services);
    }
}
