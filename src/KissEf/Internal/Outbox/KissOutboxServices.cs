using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Outbox;

/// <summary>What the outbox adds to EF's internal services of a tracked context (given to the options extension by the composition root).</summary>
internal static class KissOutboxServices
{
    /// <summary>
    /// The convention that adds the table to the model, and EF's logging of KissEf's own contexts at Debug. What a
    /// provider adds (SQLite's busy handling) the composition root adds beside it.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<IConventionSetPlugin, KissOutboxConventionSetPlugin>();
        KissOwnLoggerFactory.Register(services);
    }
}
