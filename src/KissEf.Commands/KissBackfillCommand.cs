using System.CommandLine;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Commands;

/// <summary>
/// <c>kissef backfill &lt;Entity&gt; [--context NAME] [--export FILE]</c>: every row of a mapped entity through its maps,
/// into the outbox (<see cref="IKissBackfill.EnqueueAsync{TEntity}(IQueryable{TEntity}, IProgress{KissBackfillProgress}, CancellationToken)"/>,
/// resumable) or into the vendor's import file (<see cref="IKissBackfill.ExportAsync{TEntity}(IQueryable{TEntity}, Stream, IProgress{KissBackfillProgress}, CancellationToken)"/>);
/// with <c>UseTenants</c>, every tenant's rows. Progress as a bar on a terminal, as lines when redirected, then a
/// report with the skipped-by-rule counts. The entity is found by name (<see cref="KissBackfillTargets"/>) and queried
/// through <c>Set&lt;T&gt;()</c> of a method made generic by reflection: the command line knows only a name.
/// </summary>
internal sealed class KissBackfillCommand(IServiceProvider services, TextWriter output, TimeProvider time)
{
    private static readonly MethodInfo BackfillMethod =
        typeof(KissBackfillCommand).GetMethod(nameof(BackfillAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    public Command Create()
    {
        var entity = new Argument<string>("Entity") { Description = "The mapped entity type: its class name (Customer) or full name (SampleApp.Model.Customer)." };
        var context = new Option<string?>("--context")
        {
            Description = "The DbContext type (its name or full name), when more than one maps the entity.",
            HelpName = "NAME",
        };
        var export = new Option<string?>("--export")
        {
            Description = "Write the calls to this file (created or overwritten) in the vendor's JSON import format, instead of the outbox.",
            HelpName = "FILE",
        };
        var command = new Command(
            "backfill",
            "Replay every row of a mapped entity through its maps: into the outbox (resumable: run it again after a stop) or, with --export, into the vendor's import file.")
        {
            entity,
            context,
            export,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var target = await FindAsync(parsed.GetValue(entity)!, parsed.GetValue(context), cancellationToken).ConfigureAwait(false);
            var backfill = BackfillMethod
                .MakeGenericMethod(target.ContextType, target.EntityType.ClrType)
                .CreateDelegate<Func<IEntityType, string?, CancellationToken, Task>>(this);
            await backfill(target.EntityType, parsed.GetValue(export), cancellationToken).ConfigureAwait(false);
            return KissCommandLine.Done;
        });
        return command;
    }

    private async Task<KissBackfillTarget> FindAsync(string entity, string? context, CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            // With tenants, a context may be made only for a tenant (its connection is the tenant's): the models are read
            // in a scope entered for the first one.
            if (services.GetService<IKissTenants>() is { } tenants
                && (await tenants.GetTenantIdsAsync(cancellationToken).ConfigureAwait(false)).Order(StringComparer.Ordinal).FirstOrDefault() is { } first)
            {
                await tenants.EnterAsync(scope.ServiceProvider, first, cancellationToken).ConfigureAwait(false);
            }

            return KissBackfillTargets.Find(
                KissBackfillTargets.ContextTypes(scope.ServiceProvider),
                type => ((DbContext)scope.ServiceProvider.GetRequiredService(type)).Model,
                entity,
                context);
        }
    }

    private async Task BackfillAsync<TContext, TEntity>(IEntityType entityType, string? export, CancellationToken cancellationToken)
        where TContext : DbContext
        where TEntity : class
    {
        var backfill = services.GetRequiredService<IKissBackfill>();
        var name = typeof(TEntity).Name;

        // With tenants every tenant is backfilled, each from a scope entered for it: no row count up front (that would
        // enter every tenant twice), so rows read and the rate, without an ETA.
        var allTenants = services.GetService<IKissTenants>() is not null;
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = allTenants ? null : scope.ServiceProvider.GetRequiredService<TContext>();
            long? total = db is null ? null : await db.Set<TEntity>().LongCountAsync(cancellationToken).ConfigureAwait(false);
            KissBackfillReport report;
            if (export is null)
            {
                report = await WithProgressAsync(name, total, progress => db is null
                    ? backfill.EnqueueAllTenantsAsync<TContext, TEntity>(d => d.Set<TEntity>(), progress, cancellationToken)
                    : backfill.EnqueueAsync(db.Set<TEntity>(), progress, cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                // One file for every tenant: the same stream for each, in the order of the tenants' ids.
                var file = File.Create(export);
                await using (file.ConfigureAwait(false))
                {
                    report = await WithProgressAsync(name, total, progress => db is null
                        ? backfill.ExportAllTenantsAsync<TContext, TEntity>(d => ByKey(d.Set<TEntity>(), entityType), _ => file, progress, cancellationToken)
                        : backfill.ExportAsync(ByKey(db.Set<TEntity>(), entityType), file, progress, cancellationToken)).ConfigureAwait(false);
                }
            }

            await output.WriteAsync(Report(name, report, export)).ConfigureAwait(false);
        }
    }

    private Task<KissBackfillReport> WithProgressAsync(string entity, long? total, Func<IProgress<KissBackfillProgress>, Task<KissBackfillReport>> run)
        => KissBackfillBar.Shows(output)
            ? KissBackfillBar.RunAsync(Spectre.Console.AnsiConsole.Console, entity, total, time, run)
            : run(new KissBackfillProgressLines(output, entity, total, time));

    /// <summary>
    /// The final report: <c>backfill Customer: done: 3 rows read, 1 calls written to the outbox</c> (<c>(resumed)</c>
    /// after a stop; <c>to out.jsonl</c> for an export), each tenant's figures with tenants, then one line per
    /// skipped-by-rule count.
    /// </summary>
    internal static string Report(string entity, KissBackfillReport report, string? export)
    {
        var text = new System.Text.StringBuilder();
        var to = export ?? "the outbox";
        text.Append(CultureInfo.InvariantCulture, $"backfill {entity}: done: {Figures(report)} to {to}{Resumed(report)}\n");
        foreach (var (tenant, one) in (report.Tenants ?? new Dictionary<string, KissBackfillReport>()).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"backfill {entity}: tenant {tenant}: {Figures(one)}{Resumed(one)}\n");
        }

        foreach (var (what, count) in report.Skipped.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"backfill {entity}: skipped {count} time(s): {what}\n");
        }

        return text.ToString();
    }

    private static string Figures(KissBackfillReport report)
        => string.Create(CultureInfo.InvariantCulture, $"{report.RowsRead} rows read, {report.CallsWritten} calls written");

    private static string Resumed(KissBackfillReport report) => report.Resumed ? " (resumed)" : string.Empty;

    /// <summary>The rows in the order of their primary key (each of its properties in turn), so that an export is the same file every time.</summary>
    private static IQueryable<TEntity> ByKey<TEntity>(IQueryable<TEntity> rows, IEntityType entityType)
    {
        if (entityType.FindPrimaryKey() is not { } key)
        {
            return rows;
        }

        var entity = Expression.Parameter(typeof(TEntity), "e");
        var expression = rows.Expression;
        var first = true;
        foreach (var property in key.Properties)
        {
            var value = Expression.Call(PropertyMethod.MakeGenericMethod(property.ClrType), entity, Expression.Constant(property.Name));
            var method = first ? nameof(Queryable.OrderBy) : nameof(Queryable.ThenBy);
            expression = Expression.Call(
                typeof(Queryable), method, [typeof(TEntity), property.ClrType], expression, Expression.Quote(Expression.Lambda(value, entity)));
            first = false;
        }

        return rows.Provider.CreateQuery<TEntity>(expression);
    }
}
