using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Internal.Capture;

/// <summary>
/// Fails the host's start when a tracking map does not fit the EF model of a context that uses it (a watched
/// member that is not a mapped property), so that a broken map never waits for the first save.
/// </summary>
internal sealed class KissStartupValidator(IServiceProvider services, KissContextTypes contexts, KissRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A design-time tool builds no model for KissEf: creating the contexts runs the application's options code,
        // which may connect (a server version detected from the database); the first save checks the maps anyway.
        if (KissDesignTime.IsActive)
        {
            return Task.CompletedTask;
        }

        foreach (var (type, _) in contexts.Tracked(services))
        {
            using var scope = services.CreateScope();
            if (scope.ServiceProvider.GetService(type) is DbContext context)
            {
                runtime.Model.EnsureValid(context.Model);
                runtime.EnsureSupported(context, context.Database.IsRelational());
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
