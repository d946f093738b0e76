using System.CommandLine;
using System.Globalization;
using System.Text;

namespace KissEf.Commands;

/// <summary>
/// <c>kissef dead [--json]</c>: the dead-letter groups (<see cref="IKissOutbox.GetDeadGroupsAsync"/>), largest first, as
/// a table with each group's key (what <c>retry --group</c> and <c>purge --group</c> take) or as JSON (<see cref="KissDeadJson"/>).
/// </summary>
internal sealed class KissDeadCommand(IServiceProvider services, TextWriter output)
{
    public Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the groups as JSON (camelCase; see docs/operations.md)." };
        var command = new Command("dead", "The dead rows grouped by how they failed: key, rows, calls, calls by kind, first and last failure.");
        command.Options.Add(json);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var groups = await KissCommandServices.Outbox(services, "dead").GetDeadGroupsAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(parsed.GetValue(json) ? KissDeadJson.Serialize(groups) + "\n" : Table(groups)).ConfigureAwait(false);
            return KissCommandLine.Done;
        });
        return command;
    }

    internal static string Table(IReadOnlyList<KissDeadGroup> groups)
    {
        if (groups.Count == 0)
        {
            return "no dead rows\n";
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"group",-12}  {"rows",6}  {"calls",7}  {"last failed (UTC)",-19}  error\n");
        foreach (var group in groups)
        {
            text.Append(CultureInfo.InvariantCulture, $"{group.Key,-12}  {group.Rows,6}  {group.Calls,7}  {group.LastFailedAt.UtcDateTime,-19:yyyy-MM-dd HH:mm:ss}  {group.Error}\n");
            foreach (var (kind, calls) in group.Kinds.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"{string.Empty,-12}  {string.Empty,6}  {calls,7}  {kind}\n");
            }
        }

        return text.ToString();
    }
}
