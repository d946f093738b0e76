using KissEf.Capture;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Capture;

/// <summary>
/// KissEf's one options extension. It registers the per-context tracker in EF's internal service provider
/// (one instance per context, reset with pooled contexts) and carries the runtime of the application's
/// service provider. The runtime is not part of the internal provider's identity: every host shares one
/// internal provider, as EF expects (it refuses to build more than twenty).
/// </summary>
internal sealed class KissOptionsExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public KissOptionsExtension(KissRuntime runtime) => Runtime = runtime;

    public KissRuntime Runtime { get; }

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        services.AddScoped<KissContextTracker>();
        services.AddScoped<IInterceptor>(sp => sp.GetRequiredService<KissContextTracker>());
        services.AddScoped<IResettableService>(sp => sp.GetRequiredService<KissContextTracker>());
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "using KissTracking ";

        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
            => debugInfo["KissEf:Tracking"] = "1";
    }
}
