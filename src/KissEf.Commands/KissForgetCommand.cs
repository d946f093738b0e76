using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace KissEf.Commands;

/// <summary>
/// <c>kissef forget &lt;person&gt; [--json]</c>: removes every pending and dead call about a person from the outbox
/// (<see cref="IKissOutbox.ForgetAsync"/>) and prints how many. The person is not printed back: the output may end up in
/// a log, and the request to be forgotten is the reason it must not.
/// </summary>
internal sealed class KissForgetCommand(IServiceProvider services, TextWriter output)
{
    public Command Create()
    {
        var person = new Argument<string>("person") { Description = "The identity to forget, as the maps send it (_p): an e-mail address, a user id. Compared ignoring case." };
        var json = new Option<bool>("--json") { Description = "Print the counts as JSON: pendingCalls, deadCalls." };
        var command = new Command("forget", "Remove every pending and dead call about a person, and every alias that names them, from the outbox.") { person, json };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var outbox = KissCommandServices.Outbox(services, "forget");
            var report = await outbox.ForgetAsync(parsed.GetValue(person)!, cancellationToken).ConfigureAwait(false);
            var text = parsed.GetValue(json)
                ? JsonSerializer.Serialize(new { report.PendingCalls, report.DeadCalls }, KissCommandJson.Options)
                : string.Create(CultureInfo.InvariantCulture, $"removed {report.PendingCalls} pending and {report.DeadCalls} dead call(s)");
            await output.WriteLineAsync(text).ConfigureAwait(false);
            return KissCommandLine.Done;
        });
        return command;
    }
}
