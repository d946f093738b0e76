using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Capture;

/// <summary>
/// KissEf's one options extension. It registers the per-context tracker in EF's internal service provider
/// (one instance per context, reset with pooled contexts) and, with the outbox, the convention plugin that
/// adds the outbox table to the model. It carries the runtime of the application's service provider, which
/// is not part of the internal provider's identity: hosts share internal providers, as EF expects (it
/// refuses to build more than twenty). Only what shapes the model (the outbox table) tells them apart.
/// </summary>
internal sealed class KissOptionsExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    private readonly Action<IServiceCollection, string?> _outboxServices;

    /// <param name="runtime">The application's KissEf.</param>
    /// <param name="outboxTable">The outbox table, or null with direct delivery.</param>
    /// <param name="outboxSchema">The outbox table's schema.</param>
    /// <param name="outboxServices">Registers the outbox's services in EF's internal provider (the convention that
    /// adds its table to the model, SQLite's busy handling): the Outbox layer's, given by the composition root.</param>
    public KissOptionsExtension(KissRuntime runtime, string? outboxTable, string? outboxSchema, Action<IServiceCollection, string?> outboxServices)
    {
        _outboxServices = outboxServices;
        Runtime = runtime;
        OutboxTable = outboxTable;
        OutboxSchema = outboxSchema;
    }

    public KissRuntime Runtime { get; }

    /// <summary>The outbox table, or null with direct delivery.</summary>
    public string? OutboxTable { get; }

    public string? OutboxSchema { get; }

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        // Resolved by EF as one of the interceptors (every context); the resettable service (pooled contexts only)
        // is the same scoped instance, and so is the one a provider's command interceptor talks to.
        services.AddScoped<KissContextTracker>();
        services.AddScoped<IInterceptor>(sp => sp.GetRequiredService<KissContextTracker>());
        services.AddScoped<IInterceptor, KissBulkOperationGuard>();
        services.AddScoped<IResettableService>(sp => sp.GetRequiredService<KissContextTracker>());
        _outboxServices(services, OutboxTable);
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(KissOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        private new KissOptionsExtension Extension => (KissOptionsExtension)base.Extension;

        public override bool IsDatabaseProvider => false;

        public override string LogFragment => Extension.OutboxTable is null ? "using KissTracking " : "using KissTracking(outbox) ";

        public override int GetServiceProviderHashCode() => HashCode.Combine(Extension.OutboxTable, Extension.OutboxSchema);

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other)
            => other is ExtensionInfo info
               && info.Extension.OutboxTable == Extension.OutboxTable
               && info.Extension.OutboxSchema == Extension.OutboxSchema;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
        {
            debugInfo["KissEf:OutboxTable"] = (Extension.OutboxTable ?? "-") + "." + (Extension.OutboxSchema ?? "-");
        }
    }
}
