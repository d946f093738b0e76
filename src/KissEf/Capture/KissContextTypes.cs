using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Capture;

/// <summary>
/// The DbContext types registered in the application's services (<c>AddDbContext</c>, <c>AddDbContextPool</c>,
/// <c>AddDbContextFactory</c>), read when the host starts: <c>UseKissTracking</c> runs only when a context is
/// first created, too late for start-up checks.
/// </summary>
internal sealed class KissContextTypes(IServiceCollection services)
{
    public IReadOnlyList<Type> All()
        => [.. services
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(DbContextOptions<>))
            .Select(t => t.GenericTypeArguments[0])
            .Distinct()];
}
