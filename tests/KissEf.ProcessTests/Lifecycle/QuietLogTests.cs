using System.Globalization;
using System.Net.Http.Json;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Xunit.Abstractions;

namespace KissEf.Tests.Lifecycle;

/// <summary>
/// Issue 15, item 4: a stock `dotnet new web` app (tests/KissEf.WebHost: WebApplication.CreateBuilder and the template's
/// appsettings.json, EF's commands at Information) with KissEf idle writes no line of KissEf's own SQL, while the
/// application's own commands are logged as EF logs them. A real process, its real console output.
/// </summary>
public sealed class QuietLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_stock_web_app_logs_its_own_commands_and_none_of_KissEfs_polling()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        await using (var setup = OutboxTestHost.Create(database, server))
        {
            await setup.EnsureCreatedAsync();
        }

        using var app = ServedProcess.Start(
            ChildDotnet.RecordedAssembly("KissEfWebHostPath"),
            ["--urls", "http://127.0.0.1:0", "--Db", database.ConnectionString, "--Endpoint", server.Endpoint.AbsoluteUri, "--PollMs", "200"]);
        try
        {
            const string listening = "Now listening on: ";
            var line = await app.WaitForLineAsync(l => l.Contains(listening, StringComparison.Ordinal), "the address it listens on", Patience);
            using var http = new HttpClient { BaseAddress = new Uri(line[(line.IndexOf(listening, StringComparison.Ordinal) + listening.Length)..].Trim()) };

            // The application's own work: a query, and a tracked save that KissEf delivers.
            Assert.Equal(0, await http.GetFromJsonAsync<int>("/customers"));
            (await http.PostAsync(new Uri("/customers/web-1", UriKind.Relative), null)).EnsureSuccessStatusCode();
            await server.WaitForCallsAsync(1, Patience);

            // Then KissEf idle: at least a dozen polls more (each reads the outbox twice: the claim's look, the next due time).
            var afterDelivery = await OutboxCommandsAsync(http);
            await OutboxCalls.EventuallyAsync(
                async () => await OutboxCommandsAsync(http) >= afterDelivery + 24,
                Patience,
                async () => $"{await OutboxCommandsAsync(http) - afterDelivery} outbox command(s) since the delivery");
            var polled = await OutboxCommandsAsync(http);

            var exitCode = await app.TerminateAsync(Patience);
            var log = app.Output;
            output.WriteLine($"{polled} outbox commands run by EF; the app's log:{Environment.NewLine}{log}");

            Assert.Equal(0, exitCode);
            Assert.True(polled >= 24, $"{polled} outbox commands");

            // The application's commands: logged by EF at Information, as the template's levels say.
            Assert.Contains("info: Microsoft.EntityFrameworkCore.Database.Command[20101]", log, StringComparison.Ordinal);
            Assert.Contains("FROM \"customers\"", log, StringComparison.Ordinal);
            Assert.Contains("INSERT INTO \"customers\"", log, StringComparison.Ordinal);

            // KissEf's own: none (every statement of KissEf's names its table).
            Assert.DoesNotContain("kiss_outbox", log, StringComparison.Ordinal);
            Assert.DoesNotContain("fail: ", log, StringComparison.Ordinal);
            Assert.DoesNotContain("warn: ", log, StringComparison.Ordinal);
            var commandEntries = ServedProcess.Lines(log).Count(l => l.Contains("[20101]", StringComparison.Ordinal));
            Assert.True(commandEntries is >= 2 and <= 4, $"{commandEntries} command entries: the app's query and insert (and SQLite's transaction statements), nothing per poll");
        }
        catch
        {
            output.WriteLine(app.Output);
            throw;
        }
    }

    private static async Task<int> OutboxCommandsAsync(HttpClient http)
        => int.Parse(await http.GetStringAsync(new Uri("/outbox-commands", UriKind.Relative)), CultureInfo.InvariantCulture);
}
