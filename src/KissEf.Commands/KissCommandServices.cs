using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Commands;

/// <summary>
/// The services a command needs, or one line that says why the app cannot give them: an app that does not call
/// <c>AddKissTracking</c>, or that delivers without an outbox, has no outbox to read, and "No service for type
/// 'KissEf.IKissOutbox' has been registered" tells an operator neither.
/// </summary>
internal static class KissCommandServices
{
    /// <summary>The app's <see cref="IKissOutbox"/>.</summary>
    /// <exception cref="InvalidOperationException">The app has none: the message says why and what to do.</exception>
    public static IKissOutbox Outbox(IServiceProvider services, string command)
    {
        if (services.GetService<IKissOutbox>() is { } outbox)
        {
            return outbox;
        }

        // IKissBackfill is registered by AddKissTracking whatever the delivery.
        if (services.GetService<IKissBackfill>() is null)
        {
            throw new InvalidOperationException(
                $"this app does not register KissEf: call AddKissTracking(...) on its services (the host given to RunWithKissCommandsAsync), then run 'kissef {command}' again.");
        }

        throw new InvalidOperationException(
            $"this app delivers its calls without an outbox (direct delivery, a recorder or an override of the delivery), so there is no outbox table for 'kissef {command}' to read.");
    }
}
