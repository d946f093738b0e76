using System.CommandLine;
using System.Globalization;

namespace KissEf.Commands;

/// <summary>
/// <c>kissef status [--json]</c>: what is pending and dead in the outbox, in all and by context type (and by tenant), read through <see cref="IKissOutbox.GetStateAsync"/>,
/// as a small table for a person or as JSON (<see cref="KissStatusJson"/>) for a script or an alert.
/// </summary>
internal sealed class KissStatusCommand(IServiceProvider services, TextWriter output)
{
    public Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the state as JSON (camelCase; see docs/operations.md)." };
        var command = new Command("status", "Pending and dead rows and calls of the outbox, and the age of the oldest pending call.");
        command.Options.Add(json);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var outbox = KissCommandServices.Outbox(services, "status");
            var state = await outbox.GetStateAsync(cancellationToken).ConfigureAwait(false);
            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(KissStatusJson.Serialize(state)).ConfigureAwait(false);
            }
            else
            {
                await output.WriteAsync(Table(state)).ConfigureAwait(false);
            }

            return KissCommandLine.Done;
        });
        return command;
    }

    /// <summary>
    /// Plain text, not Spectre.Console: one fixed-width table reads the same on a terminal, in a redirected log and in
    /// the docs, and the package takes one dependency less.
    /// </summary>
    internal static string Table(KissOutboxState state)
    {
        // The totals, each context type's table, then each tenant's database (with UseTenants).
        var rows = new List<(string Name, KissOutboxState State)> { ("all", state) };
        rows.AddRange(Lines("context ", state.Contexts));
        rows.AddRange(Lines("tenant ", state.Tenants));

        var width = Math.Max("outbox".Length, rows.Max(r => r.Name.Length));
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"outbox".PadRight(width)}  {"pending rows",12}  {"pending calls",13}  {"dead rows",9}  {"dead calls",10}  oldest pending\n");
        foreach (var (name, one) in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name.PadRight(width)}  {one.PendingRows,12}  {one.PendingCalls,13}  {one.DeadRows,9}  {one.DeadCalls,10}  {Age(one.OldestPendingAge)}\n");
        }

        return text.ToString();
    }

    private static IEnumerable<(string, KissOutboxState)> Lines(string prefix, IReadOnlyDictionary<string, KissOutboxState>? states)
        => states?.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (prefix + s.Key, s.Value)) ?? [];

    private static string Age(TimeSpan? age) => age switch
    {
        null => "-",
        { TotalDays: >= 1 } a => a.ToString(@"d\d\ hh\:mm\:ss", CultureInfo.InvariantCulture),
        { } a => a.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
    };
}
