using Spectre.Console;

namespace KissEf.Commands;

/// <summary>
/// The live progress of <c>kissef backfill</c> at a terminal: a Spectre.Console bar (how .NET command-line tools draw
/// progress) under the same figures as the redirected lines (<see cref="KissBackfillFigures"/>); without a row count
/// (tenants) the bar is indeterminate. Only when the output is the console, not redirected, and Spectre finds it
/// interactive: a log gets lines, not escape codes.
/// </summary>
internal static class KissBackfillBar
{
    public static bool Shows(TextWriter output)
        => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="run"/> under a bar drawn on <paramref name="console"/> (<see cref="AnsiConsole.Console"/>; a test's console in the tests).</summary>
    public static Task<KissBackfillReport> RunAsync(
        IAnsiConsole console, string entity, long? total, TimeProvider time, Func<IProgress<KissBackfillProgress>, Task<KissBackfillReport>> run)
        => console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"backfill {entity}"), maxValue: Math.Max(total ?? 1, 1));
                task.IsIndeterminate = total is null;
                var report = await run(new Bar(task, entity, total, time)).ConfigureAwait(false);
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
                return report;
            });

    /// <summary>Moves the bar and rewrites its figures at each report (once a chunk); Spectre redraws on its own timer.</summary>
    private sealed class Bar(ProgressTask task, string entity, long? total, TimeProvider time) : IProgress<KissBackfillProgress>
    {
        private readonly long _start = time.GetTimestamp();

        public void Report(KissBackfillProgress value)
        {
            task.Value = Math.Min(value.RowsRead, task.MaxValue);
            task.Description = Markup.Escape($"backfill {entity}: {KissBackfillFigures.Format(value, total, time.GetElapsedTime(_start))}");
        }
    }
}
