using KissEf.Internal.Capture;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

namespace KissEf.Internal.Outbox;

/// <summary>EF's plugin seam for conventions: registered by <see cref="KissOptionsExtension"/> when the outbox is on.</summary>
internal sealed class KissOutboxConventionSetPlugin(IDbContextOptions options, ICurrentDbContext current) : IConventionSetPlugin
{
    public ConventionSet ModifyConventions(ConventionSet conventionSet)
    {
        var extension = options.FindExtension<KissOptionsExtension>();
        if (extension?.OutboxTable is { } table)
        {
            // First of the finalizing conventions: the entity is then in the model as if OnModelCreating had added it
            // last, and every later convention (EF's, the provider's, the application's) processes it.
            conventionSet.ModelFinalizingConventions.Insert(0, new KissOutboxConvention(table, extension.OutboxSchema));

            // The guard places itself last of them once the application's conventions are in the set (at model
            // initialized), and checks the finalized model first, before EF turns it into the runtime model.
            var guard = new KissOutboxGuard(conventionSet, current.Context.GetType().Name);
            conventionSet.ModelInitializedConventions.Add(guard);
            conventionSet.ModelFinalizedConventions.Insert(0, guard);
        }

        return conventionSet;
    }
}
