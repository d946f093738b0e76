using System.Diagnostics.Metrics;
using System.Reflection;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 7: the public constants users filter and subscribe with are the ones KissEf uses. Every log message
/// (a <c>[LoggerMessage]</c> of <c>KissLog</c>, the one home of KissEf's log messages) has a <see cref="KissEfEventId"/>
/// constant of its id and name, and every constant its message; the meter and the activity source are named as
/// <see cref="KissEfDiagnostics"/> says.
/// </summary>
public sealed class EventIdTests
{
    private static readonly Assembly KissEfAssembly = typeof(KissTrackingOptions).Assembly;

    [Fact]
    public void Every_log_message_is_in_KissLog()
    {
        var elsewhere = LogMethods(KissEfAssembly.GetTypes())
            .Where(m => m.Method.DeclaringType!.FullName != "KissEf.Internal.Logging.KissLog")
            .Select(m => $"{m.Method.DeclaringType!.FullName}.{m.Method.Name} ({m.Attribute.EventId})")
            .ToList();

        Assert.True(elsewhere.Count == 0, "Log messages outside KissLog: " + string.Join(", ", elsewhere));
    }

    [Fact]
    public void Every_log_message_has_the_constant_of_its_id_and_name()
    {
        var constants = Constants();
        var messages = LogMethods([KissLog]).ToList();
        Assert.NotEmpty(messages);

        Assert.All(messages, m =>
        {
            Assert.True(
                constants.TryGetValue(m.Attribute.EventId, out var name),
                $"KissLog.{m.Method.Name} logs event {m.Attribute.EventId}, which has no KissEfEventId constant.");
            Assert.Equal(name, m.Attribute.EventName);
        });
        Assert.Equal(messages.Count, messages.Select(m => m.Attribute.EventId).Distinct().Count());
    }

    [Fact]
    public void Every_constant_has_its_log_message()
    {
        var logged = LogMethods([KissLog]).Select(m => m.Attribute.EventId).ToHashSet();

        var missing = Constants().Where(c => !logged.Contains(c.Key)).Select(c => $"{c.Value} = {c.Key}").ToList();

        Assert.True(missing.Count == 0, "KissEfEventId constants with no log message: " + string.Join(", ", missing));
        Assert.Equal(Constants().Count, Constants().Values.Distinct().Count());
    }

    [Fact]
    public async Task A_message_as_logged_carries_the_constants_id_and_name()
    {
        var logs = new TestLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        services.AddKissTracking(kiss => kiss.UseDryRun().UseDirectDelivery().MapCustomers());
        using var database = new Infrastructure.SqliteDatabase();
        services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        await using var provider = services.BuildServiceProvider();
        using (var scope = provider.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
            await db.Database.EnsureCreatedAsync();
            db.Customers.Add(OutboxTestHost.Customer("id-1"));
            await db.SaveChangesAsync();
        }

        await provider.GetRequiredService<IKissDispatcher>().FlushAsync();

        var dryRun = Assert.Single(logs.Entries, e => e.EventId.Id == KissEfEventId.DryRun);
        Assert.Equal(nameof(KissEfEventId.DryRun), dryRun.EventId.Name);
    }

    [Fact]
    public void The_meter_and_the_activity_source_have_the_public_names()
    {
        var meters = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Name.StartsWith("kissef.", StringComparison.Ordinal))
            {
                lock (meters)
                {
                    meters.Add(instrument.Meter.Name);
                }
            }
        };
        listener.Start();
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseDryRun().MapCustomers());
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<KissEf.Internal.Diagnostics.KissMetrics>();

        Assert.Equal([KissEfDiagnostics.MeterName], meters);
        Assert.Equal(KissEfDiagnostics.ActivitySourceName, KissEf.Internal.Diagnostics.KissActivitySource.Source.Name);
        Assert.Equal("KissEf", KissEfDiagnostics.MeterName);
        Assert.Equal("KissEf", KissEfDiagnostics.ActivitySourceName);
    }

    private static Type KissLog => KissEfAssembly.GetType("KissEf.Internal.Logging.KissLog", throwOnError: true)!;

    /// <summary>The constants of <see cref="KissEfEventId"/>: id to name.</summary>
    private static Dictionary<int, string> Constants()
        => typeof(KissEfEventId).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => (int)f.GetRawConstantValue()!, f => f.Name);

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> LogMethods(IEnumerable<Type> types)
        => types
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(m => m.Attribute is not null);
}
