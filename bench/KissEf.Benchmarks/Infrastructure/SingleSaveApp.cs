using KissEf.Benchmarks.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// An application of the common web shape: a Generic Host, AddDbContext, a scope (a request) per save of one new
/// entity. With <see cref="Tracking.Outbox"/> it is the same app plus AddKissTracking and UseKissTracking(sp),
/// sending to <c>endpoint</c> (a dry run when null) once <see cref="StartAsync"/> runs the dispatcher.
/// </summary>
public sealed class SingleSaveApp : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _started;
    private int _next;

    private readonly bool _forceTransaction;
    private readonly bool _touchFacade;

    /// <param name="tracking">The variant of the app: plain EF or KissEf, and how KissEf delivers.</param>
    /// <param name="db">The database the app saves to.</param>
    /// <param name="endpoint">Where the dispatcher sends; a dry run when null.</param>
    /// <param name="firstId">The ids saved start after this one.</param>
    /// <param name="forceTransaction">Profiling aid: plain EF with every save in a transaction (what KissEf's outbox does to a single-statement save).</param>
    /// <param name="touchFacade">Profiling aid: plain EF that reads context.Database.CurrentTransaction before saving (what KissEf's capture does).</param>
    /// <param name="context">Profiling aid: adds to the context's options (an application interceptor).</param>
    public SingleSaveApp(Tracking tracking, IBenchDatabase db, Uri? endpoint, int firstId = 0, bool forceTransaction = false, bool touchFacade = false, Action<DbContextOptionsBuilder>? context = null)
    {
        _forceTransaction = forceTransaction;
        _touchFacade = touchFacade;
        Db = db;
        Tracking = tracking;
        _next = firstId;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        if (tracking != Tracking.Off)
        {
            builder.Services.AddKissTracking(kiss =>
            {
                if (endpoint is null)
                {
                    kiss.UseDryRun();
                }
                else
                {
                    kiss.UseApiKey(BenchServices.ApiKey).UseEndpoint(endpoint);
                }

                if (tracking == Tracking.Direct)
                {
                    kiss.UseDirectDelivery();
                }

                kiss.MapCustomer().MapVisitor();
            });
        }

        builder.Services.AddDbContext<BenchContext>((sp, options) =>
        {
            db.Use(options);
            if (tracking != Tracking.Off)
            {
                options.UseKissTracking(sp);
            }

            context?.Invoke(options);
        });
        _host = builder.Build();
    }

    public IBenchDatabase Db { get; }

    public Tracking Tracking { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts the host: with KissEf, the dispatcher starts delivering.</summary>
    public async Task StartAsync()
    {
        await _host.StartAsync();
        _started = true;
    }

    /// <summary>One request: a scope, a context, one new Customer, SaveChangesAsync.</summary>
    public async Task SaveOneAsync()
    {
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BenchContext>();
        if (_forceTransaction)
        {
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }

        if (_touchFacade && db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A new context has no transaction.");
        }

        db.Customers.Add(Customer.Create(Interlocked.Increment(ref _next)));
        await db.SaveChangesAsync();
    }

    /// <summary>With KissEf, waits until every committed call was delivered.</summary>
    public Task FlushAsync() => Tracking == Tracking.Off ? Task.CompletedTask : _host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await _host.StopAsync();
        }

        _host.Dispose();
    }
}
