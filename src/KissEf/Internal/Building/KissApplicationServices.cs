using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KissEf.Internal.Building;

/// <summary>
/// A context's application service provider: the scope it was resolved from (EF's <c>AddDbContext</c> sets it on the
/// scoped options), where <c>IdentifiedBy</c>'s services and the saving tenant are read; null for a context created
/// without one.
/// </summary>
internal static class KissApplicationServices
{
    public static IServiceProvider? Of(DbContext context)
        => ((IInfrastructure<IServiceProvider>)context).Instance.GetService(typeof(IDbContextOptions)) is IDbContextOptions options
            ? options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider
            : null;
}
