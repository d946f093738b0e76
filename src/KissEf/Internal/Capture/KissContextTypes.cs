using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Capture;

/// <summary>
/// The DbContext types registered in the application's services (<c>AddDbContext</c>, <c>AddDbContextPool</c>,
/// <c>AddDbContextFactory</c>), read when the host starts: <c>UseKissTracking</c> runs only when a context is
/// first created, too late for start-up checks.
/// </summary>
internal sealed class KissContextTypes(IServiceCollection registrations)
{
    /// <summary>The registered context types whose options use KissEf, with KissEf's options extension.</summary>
    public IReadOnlyList<(Type Type, KissOptionsExtension Extension)> Tracked(IServiceProvider services)
    {
        var tracked = new List<(Type, KissOptionsExtension)>();
        foreach (var type in All())
        {
            using var scope = services.CreateScope();
            if (Extension(scope.ServiceProvider, type) is { } extension)
            {
                tracked.Add((type, extension));
            }
        }

        return tracked;
    }

    /// <summary>
    /// The same, with every context type's options resolved in <paramref name="scope"/>: a scope entered for a tenant,
    /// when the application's options code reads the tenant.
    /// </summary>
    public IReadOnlyList<(Type Type, KissOptionsExtension Extension)> TrackedIn(IServiceProvider scope)
        => [.. All().Select(type => (type, Extension(scope, type)!)).Where(t => t.Item2 is not null)];

    private static KissOptionsExtension? Extension(IServiceProvider scope, Type type)
        => scope.GetService(typeof(DbContextOptions<>).MakeGenericType(type)) is DbContextOptions options
            ? options.FindExtension<KissOptionsExtension>()
            : null;

    private IEnumerable<Type> All()
        => registrations
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(DbContextOptions<>))
            .Select(t => t.GenericTypeArguments[0])
            .Distinct();
}
