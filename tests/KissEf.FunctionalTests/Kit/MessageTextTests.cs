using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 7: messages read as sentences. No log template and no text of the library ends a sentence twice
/// (<c>.;</c>, <c>..</c>, <c>'.).</c>), and neither do the messages composed at run time from texts KissEf does not
/// write: the failures of the options joined by <c>OptionsValidationException</c>, a provider's error quoted in the
/// outbox's message.
/// </summary>
public sealed partial class MessageTextTests
{
    [Fact]
    public void No_log_template_ends_a_sentence_twice()
    {
        var kissLog = typeof(KissTrackingOptions).Assembly.GetType("KissEf.Internal.Logging.KissLog", throwOnError: true)!;
        var templates = kissLog.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>()?.Message)
            .OfType<string>()
            .ToList();
        Assert.NotEmpty(templates);

        AssertSentences(templates);
    }

    [Fact]
    public void No_text_of_the_library_ends_a_sentence_twice()
    {
        // Every string literal compiled into the libraries (their #US heap): exception messages, log texts, validation
        // failures, the parts of interpolated strings.
        var literals = new List<string>();
        foreach (var assembly in (Assembly[])[typeof(KissTrackingOptions).Assembly, typeof(KissEf.Testing.KissRecorder).Assembly])
        {
            using var stream = File.OpenRead(assembly.Location);
            using var pe = new PEReader(stream);
            var metadata = pe.GetMetadataReader();
            for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
            {
                literals.Add(metadata.GetUserString(handle));
            }
        }

        Assert.Contains(literals, l => l.StartsWith("KissEf could not write tracking calls", StringComparison.Ordinal));
        AssertSentences(literals);
    }

    [Fact]
    public async Task Several_bad_settings_read_as_one_list_with_no_doubled_stops()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss => kiss.Configure(o =>
        {
            o.MaxConcurrency = 0;
            o.MaxAttempts = 0;
            o.OutboxTable = string.Empty;
            o.Endpoint = new Uri("ftp://trk.example");
        }));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.True(error.Failures.Count() >= 4, error.Message);
        Assert.Contains("; KissTrackingOptions.", error.Message, StringComparison.Ordinal);
        AssertSentences([error.Message]);
    }

    [Fact]
    public async Task A_providers_error_quoted_in_the_outbox_message_ends_its_sentence_once()
    {
        using var database = new SqliteDatabase();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKissTracking(kiss => kiss.UseDryRun().MapCustomers());
        services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        await using var provider = services.BuildServiceProvider();

        // The customers table only, as a database created before KissEf was added.
        await using (var plain = new OutboxPlainShopContext(new DbContextOptionsBuilder<OutboxPlainShopContext>().UseSqlite(database.ConnectionString).Options))
        {
            await plain.Database.EnsureCreatedAsync();
        }

        using var scope = provider.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        db.Customers.Add(OutboxTestHost.Customer("text-1"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        // SQLite's own text ends with "'." ("SQLite Error 1: 'no such table: kiss_outbox'.").
        Assert.EndsWith(".", error.InnerException!.Message.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("(SQLite Error 1: 'no such table: kiss_outbox').", error.Message, StringComparison.Ordinal);
        AssertSentences([error.Message]);
    }

    [Theory]
    [InlineData("A failure.; another one", true)]
    [InlineData("(SQLite Error 1: 'no such table: kiss_outbox'.).", true)]
    [InlineData("It failed: timeout..", true)]
    [InlineData("It stopped.. Then", true)]
    [InlineData("Call UseApiKey(...), or UseDryRun().", false)]
    [InlineData("AddDbContext((sp, options) => options.Use...(...).UseKissTracking(sp)).", false)]
    [InlineData("A list: a, b; c. Then more...", false)]
    [InlineData("See e => e.Address.City or https://trk.kissmetrics.com.", false)]
    public void The_check_tells_a_doubled_stop_from_an_ellipsis(string text, bool doubled)
        => Assert.Equal(doubled, DoubledStop().IsMatch(text));

    /// <summary>
    /// A full stop followed by another stop (<c>.;</c>, <c>.,</c>, <c>.:</c>, two dots that are not an ellipsis), or a
    /// quote's stop closed by a parenthesis and stopped again (<c>'.).</c>, <c>.).</c>); an ellipsis is no full stop.
    /// </summary>
    [GeneratedRegex(@"(?<!\.)\.\.(?!\.)|(?<!\.\.)\.[;,:](?=\s|$)|[;,:]\.|(?<!\.\.)\.\)\.|'\.\)")]
    private static partial Regex DoubledStop();

    private static void AssertSentences(IEnumerable<string> texts)
    {
        var doubled = texts.Where(t => DoubledStop().IsMatch(t)).ToList();
        Assert.True(doubled.Count == 0, "Texts that end a sentence twice:" + Environment.NewLine + string.Join(Environment.NewLine, doubled));
    }
}
