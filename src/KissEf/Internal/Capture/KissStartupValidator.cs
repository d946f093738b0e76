using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Internal.Capture;

/// <summary>
/// Fails the host's start when a tracking map does not fit the EF model of a context that uses it (a watched
/// member that is not a mapped property), so that a broken map never waits for the first save.
/// </summary>
/// <remarks>
/// With <c>UseTenants</c>, a context type that cannot be created outside a tenant, or has no model there (its constructor,
/// options code or OnConfiguring reads the tenant), is created in the scope of the first tenant that can be entered;
/// with no such tenant, its maps are checked at its first save, as every context's are.
/// </remarks>
internal sealed class KissStartupValidator(IServiceProvider services, KissContextTypes contexts, KissRuntime runtime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A design-time tool builds no model for KissEf: creating the contexts runs the application's options code,
        // which may connect (a server version detected from the database); the first save checks the maps anyway.
        if (KissDesignTime.IsActive)
        {
            return;
        }

        if (runtime.Tenants is not { } tenants)
        {
            foreach (var (type, _) in contexts.Tracked(services))
            {
                using var scope = services.CreateScope();
                if (scope.ServiceProvider.GetService(type) is DbContext context)
                {
                    Validate(context);
                }
            }

            return;
        }

        await ValidateInTenantAsync(tenants, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ValidateInTenantAsync(IKissTenants tenants, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<string> ids;
        try
        {
            ids = await tenants.GetTenantIdsAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A tenant store in a database not migrated yet must not stop the start: the first save checks the maps.
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            ids = [];
        }

        foreach (var tenant in ids.Prepend(null))
        {
            var scope = services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                DbContext[] created;
                try
                {
                    if (tenant is not null)
                    {
                        await tenants.EnterAsync(scope.ServiceProvider, tenant, cancellationToken).ConfigureAwait(false);
                    }

                    created = [.. contexts.TrackedIn(scope.ServiceProvider).Select(t => (DbContext)scope.ServiceProvider.GetRequiredService(t.Type))];

                    // A context whose OnConfiguring picks its provider from the tenant (fullstackhero's) is created
                    // outside a tenant but has no provider there, so no model: that scope cannot check the maps.
                    foreach (var context in created)
                    {
                        _ = context.Model;
                    }
                }
#pragma warning disable CA1031 // Outside a tenant, or in one that cannot be entered now: try the next; the first save checks the maps anyway.
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    continue;
                }

                foreach (var context in created)
                {
                    Validate(context);
                }

                return;
            }
        }
    }

    private void Validate(DbContext context)
    {
        runtime.Model.EnsureValid(context.Model);
        runtime.EnsureSupported(context, context.Database.IsRelational());
    }
}
