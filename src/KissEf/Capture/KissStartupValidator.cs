using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Capture;

/// <summary>
/// Fails the host's start when a tracking map does not fit the EF model of a context that uses it (a watched
/// member that is not a mapped property), so that a broken map never waits for the first save.
/// </summary>
internal sealed class KissStartupValidator(IServiceProvider services, KissContextTypes contexts, KissRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var type in contexts.All())
        {
            using var scope = services.CreateScope();
            if (scope.ServiceProvider.GetService(typeof(DbContextOptions<>).MakeGenericType(type)) is not DbContextOptions options
                || options.FindExtension<KissOptionsExtension>() is null
                || scope.ServiceProvider.GetService(type) is not DbContext context)
            {
                continue;
            }

            runtime.Model.EnsureValid(context.Model);
            runtime.EnsureSupported(context);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
