using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// What <see cref="TestHost"/> (core tests) and <see cref="OutboxTestHost"/> (outbox tests) share: the Generic Host
/// builder with its log entries captured, the KissEf timings fit for tests, and a host that is started at most once
/// and stopped only if it was started.
/// </summary>
public sealed class TestHostCore(IHost host) : IDisposable
{
    private bool _started;

    public IHost Host { get; } = host;

    public IServiceProvider Services => Host.Services;

    /// <summary>
    /// An empty application builder that logs to <paramref name="logs"/> from <paramref name="minimumLevel"/> up and
    /// whose host gives its hosted services <paramref name="shutdownTimeout"/> to stop.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(TestLogCollector logs, LogLevel minimumLevel, TimeSpan shutdownTimeout)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        return builder;
    }

    /// <summary>Retries from 20 ms up to 200 ms, 5 s per request and for the dispatcher's shutdown, a poll every <paramref name="pollInterval"/>.</summary>
    public static void ApplyTestTimings(KissTrackingOptions options, TimeSpan pollInterval)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PollInterval = pollInterval;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
        options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
        options.RequestTimeout = TimeSpan.FromSeconds(5);
        options.ShutdownTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>Starts the host's hosted services (the dispatcher, the start-up validator).</summary>
    public async Task StartAsync()
    {
        await Host.StartAsync();
        _started = true;
    }

    /// <summary>Stops the host if it was started (the dispatcher drains within its ShutdownTimeout).</summary>
    public async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Host.StopAsync();
        }
    }

    public void Dispose() => Host.Dispose();
}
