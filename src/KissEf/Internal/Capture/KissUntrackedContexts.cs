using System.Collections.Concurrent;
using System.Diagnostics;
using KissEf.Internal.Logging;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Capture;

/// <summary>
/// Says so (warning 1007, once per DbContext type) when a context of this application saves while its options lack
/// <c>UseKissTracking</c> and its model holds entity types that KissEf maps: otherwise nothing of it is tracked, and
/// nothing says why. KissEf cannot intercept a context without its options extension, so this listens to EF's
/// DiagnosticListener for <see cref="CoreEventId.SaveChangesStarting"/>, from when the host starts. A context is this
/// application's when its application service provider (set by <c>AddDbContext</c>, <c>AddDbContextPool</c> and
/// <c>AddDbContextFactory</c>) holds this instance; a context built without one is not judged. After the first save
/// of a context type, a save costs one dictionary lookup of its type.
/// </summary>
internal sealed class KissUntrackedContexts(KissModel model, ILoggerFactory loggers)
    : IHostedService, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly string SaveChangesStarting = CoreEventId.SaveChangesStarting.Name!;

    private readonly ILogger _logger = loggers.CreateLogger(KissLogCategories.Tracking);

    /// <summary>Context types judged already: true when tracked (or holding no mapped type), false when warned about.</summary>
    private readonly ConcurrentDictionary<Type, bool> _judged = new();
    private readonly List<IDisposable> _subscriptions = [];
    private IDisposable? _listeners;
    private bool _stopped;

    /// <summary>The names of the context types that saved untracked, in name order.</summary>
    public IReadOnlyList<string> Untracked => [.. _judged.Where(j => !j.Value).Select(j => j.Key.Name).Order(StringComparer.Ordinal)];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listeners ??= DiagnosticListener.AllListeners.Subscribe(this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        IDisposable[] subscriptions;
        lock (_subscriptions)
        {
            _stopped = true;
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        _listeners?.Dispose();
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name != DbLoggerCategory.Name)
        {
            return;
        }

        lock (_subscriptions)
        {
            // EF asks the listener whether anyone wants an event before it builds the event's data: only this one.
            if (!_stopped)
            {
                _subscriptions.Add(value.Subscribe(this, static name => name == SaveChangesStarting));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value is DbContextEventData { Context: { } context } && !_judged.ContainsKey(context.GetType()))
        {
            Judge(context);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    private void Judge(DbContext context)
    {
        var type = context.GetType();
        var ours = false;
        try
        {
            var options = context.GetService<IDbContextOptions>();
            if (options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider is not { } application
                || !ReferenceEquals(application.GetService(typeof(KissUntrackedContexts)), this))
            {
                // Another host's context (tests run many in one process), or one built without DI: not judged here.
                return;
            }

            ours = true;
            if (options.FindExtension<KissOptionsExtension>() is not null)
            {
                _judged.TryAdd(type, true);
                return;
            }

            var mapped = context.Model.GetEntityTypes()
                .Where(e => model.FindMap(e.ClrType) is not null)
                .Select(e => e.ClrType.Name)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (_judged.TryAdd(type, mapped.Count == 0) && mapped.Count > 0)
            {
                KissLog.ContextNotTracked(_logger, type.Name, string.Join(", ", mapped));
            }
        }
#pragma warning disable CA1031 // A check of the configuration never fails the application's save.
        catch (Exception)
#pragma warning restore CA1031
        {
            // A context not known to be this application's (its scope was disposed, say) is judged at its next save.
            if (ours)
            {
                _judged.TryAdd(type, true);
            }
        }
    }
}
