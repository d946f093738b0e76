using System.CommandLine;
using System.Globalization;

namespace KissEf.Commands;

/// <summary>
/// <c>kissef retry (--group KEY | --all)</c> and <c>kissef purge (--group KEY | --older-than 30d)</c>: one dead-letter
/// group, or every dead row (retry) or those dead longer than an age (purge), with the number of rows changed.
/// Exactly one choice is required; none or two is a usage error (exit 2).
/// </summary>
internal sealed class KissDeadRowsCommands(IServiceProvider services, TextWriter output)
{
    public Command Retry()
    {
        var group = GroupOption();
        var all = new Option<bool>("--all") { Description = "Every dead row." };
        var command = new Command("retry", "Make dead rows pending again, due now: one group (see 'kissef dead'), or all of them.") { group, all };
        command.Validators.Add(result =>
        {
            if (result.GetValue(group) is null == !result.GetValue(all))
            {
                result.AddError("retry takes --group KEY or --all, one of them.");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var outbox = KissCommandServices.Outbox(services, "retry");
            var key = parsed.GetValue(group);
            var rows = key is null
                ? await outbox.RetryDeadAsync(cancellationToken).ConfigureAwait(false)
                : await outbox.RetryDeadAsync(key, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"retried {rows} row(s){Of(key)}")).ConfigureAwait(false);
            return KissCommandLine.Done;
        });
        return command;
    }

    public Command Purge()
    {
        var group = GroupOption();
        var olderThan = new Option<TimeSpan?>("--older-than")
        {
            Description = "Rows dead for longer than this: 30d, 12h, 90m, or a TimeSpan (1.00:00:00).",
            CustomParser = result => ParseAge(result.Tokens[0].Value, out var age) ? age : Refuse(result, result.Tokens[0].Value),
        };
        var command = new Command("purge", "Delete dead rows: one group (see 'kissef dead'), or those dead for longer than an age.") { group, olderThan };
        command.Validators.Add(result =>
        {
            if (result.GetValue(group) is null == result.GetValue(olderThan) is null)
            {
                result.AddError("purge takes --group KEY or --older-than AGE, one of them.");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var outbox = KissCommandServices.Outbox(services, "purge");
            var key = parsed.GetValue(group);
            var rows = key is null
                ? await outbox.PurgeDeadAsync(parsed.GetValue(olderThan)!.Value, cancellationToken).ConfigureAwait(false)
                : await outbox.PurgeDeadAsync(key, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"purged {rows} row(s){Of(key)}")).ConfigureAwait(false);
            return KissCommandLine.Done;
        });
        return command;
    }

    private static Option<string?> GroupOption() => new("--group") { Description = "A dead-letter group's key, as 'kissef dead' prints it.", HelpName = "KEY" };

    private static string Of(string? key) => key is null ? string.Empty : $" of group {key}";

    /// <summary>30d, 12h, 90m, 45s, or a TimeSpan; positive.</summary>
    internal static bool ParseAge(string text, out TimeSpan age)
    {
        age = default;
        if (text.Length > 1 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            age = char.ToLowerInvariant(text[^1]) switch
            {
                'd' => TimeSpan.FromDays(count),
                'h' => TimeSpan.FromHours(count),
                'm' => TimeSpan.FromMinutes(count),
                's' => TimeSpan.FromSeconds(count),
                _ => default,
            };
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            age = span;
        }

        return age > TimeSpan.Zero;
    }

    private static TimeSpan? Refuse(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        result.AddError($"--older-than: '{text}' is not an age (30d, 12h, 90m, 45s).");
        return null;
    }
}
