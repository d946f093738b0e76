using KissEf.Commands;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one line at the end of an app's <c>Program.cs</c> that gives it KissEf's operations commands
/// (<c>dotnet run -- kissef status</c>): the commands run inside the app's own executable, so they see its real
/// configuration, services and databases. In <c>Microsoft.Extensions.Hosting</c> beside <c>RunAsync</c>, which it replaces.
/// </summary>
public static class KissCommandsHostExtensions
{
    /// <summary>
    /// Runs the host as <c>RunAsync</c> would and returns 0, unless the first argument is <c>kissef</c>: then it runs that
    /// command against <paramref name="host"/>'s services without starting the host (no hosted service, no web server,
    /// no dispatcher) and returns its exit code: 0 done, 1 failed, 2 usage.
    /// </summary>
    /// <param name="host">The app's built host.</param>
    /// <param name="args">The app's command-line arguments.</param>
    /// <param name="cancellationToken">Stops the app, or the command.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunWithKissCommandsAsync(this IHost host, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(args);
        if (args is not [KissCommandLine.Name, ..])
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        return await new KissCommandLine(host.Services, Console.Out, Console.Error)
            .RunAsync(args[1..], cancellationToken).ConfigureAwait(false);
    }
}
