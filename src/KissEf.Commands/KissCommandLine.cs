using System.CommandLine;
using System.CommandLine.Help;

namespace KissEf.Commands;

/// <summary>
/// Parses and runs the <c>kissef …</c> commands against the app's services. Owns the exit codes (0 done, 1 failed,
/// 2 usage) and the shape of an error: one line on standard error, the stack trace only with <c>--verbose</c>, because
/// an operator at a terminal needs what to do, not where it was thrown.
/// </summary>
internal sealed class KissCommandLine(IServiceProvider services, TextWriter output, TextWriter error)
{
    /// <summary>The first argument that selects KissEf's commands instead of the app.</summary>
    public const string Name = "kissef";

    public const int Done = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private const string UsageLine = "Usage: kissef status|dead [--json] | retry (--group KEY|--all) | purge (--group KEY|--older-than 30d) | backfill ENTITY [--context NAME] [--export FILE] | forget PERSON [--json] [--verbose]. Run 'kissef --help' for the commands.";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Print the whole exception (stack trace included) when a command fails.", Recursive = true };
        // A command named kissef, not a RootCommand (which is named after the executable): help and errors say what
        // the operator types after the app's own command. Help is recursive, so every command has --help.
        var root = new Command(Name, "KissEf's operations commands, run in the app's own executable without starting the app.");
        root.Options.Add(new HelpOption { Recursive = true });
        root.Options.Add(verbose);
        root.Subcommands.Add(new KissStatusCommand(services, output).Create());
        root.Subcommands.Add(new KissDeadCommand(services, output).Create());
        var deadRows = new KissDeadRowsCommands(services, output);
        root.Subcommands.Add(deadRows.Retry());
        root.Subcommands.Add(deadRows.Purge());
        root.Subcommands.Add(new KissForgetCommand(services, output).Create());
        root.Subcommands.Add(new KissBackfillCommand(services, output, TimeProvider.System).Create());

        var parsed = root.Parse(WithoutConfigurationSwitches(args));
        if (parsed.Errors.Count > 0)
        {
            var messages = string.Join(" ", parsed.Errors.Select(e => e.Message));
            await error.WriteLineAsync($"kissef: {messages}").ConfigureAwait(false);
            await error.WriteLineAsync(UsageLine).ConfigureAwait(false);
            return Usage;
        }

        try
        {
            // The default handler would print the stack trace: failures are reported below, in one line.
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error };
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var line = exception.Message.ReplaceLineEndings(" ");
            await error.WriteLineAsync($"kissef {parsed.CommandResult.Command.Name}: {line}").ConfigureAwait(false);
            if (parsed.GetValue(verbose))
            {
                await error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
            }

            return Failed;
        }
    }

    /// <summary>
    /// <paramref name="args"/> without the app's configuration switches (<c>--Section:Key value</c>,
    /// <c>--Section:Key=value</c>): the host's command-line configuration has read them from the same arguments, so
    /// <c>dotnet run -- kissef status --ConnectionStrings:Shop "…"</c> points the command at that database, as it
    /// would point the app. A name with a ':' is never a command's option.
    /// </summary>
    internal static string[] WithoutConfigurationSwitches(string[] args)
    {
        var kept = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf(':', StringComparison.Ordinal) is var colon and > 2
                && (arg.IndexOf('=', StringComparison.Ordinal) is var equals && (equals < 0 || colon < equals)))
            {
                // --Key value: the value goes with it (the host reads the next argument as the value).
                if (equals < 0 && i + 1 < args.Length)
                {
                    i++;
                }

                continue;
            }

            kept.Add(arg);
        }

        return [.. kept];
    }
}
