using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Outbox;

/// <summary>
/// Writes a save's calls as outbox rows, in the transaction that holds the change, with one parameterized
/// multi-row INSERT. Table and column names come from the EF model and are quoted by the provider's
/// <see cref="ISqlGenerationHelper"/>: no provider-specific SQL. A row holds a chunk of calls (DESIGN.md §4:
/// chunk rows cost ≈2% of the save, one row per call ≈40%, tracked entities ≥110%).
/// </summary>
internal sealed class KissOutboxWriter(int maxCallsPerRow)
{
    private const int MaxCharsPerRow = 256 * 1024;

    private readonly ConcurrentDictionary<IModel, Statement> _statements = new(ReferenceEqualityComparer.Instance);

    public void Write(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now)
    {
        if (calls.Count == 0)
        {
            return;
        }

        context.Database.OpenConnection();
        try
        {
            using var command = Prepare(context, transaction, calls, now);
            Execute(() => command.ExecuteNonQuery(), context);
        }
        finally
        {
            context.Database.CloseConnection();
        }
    }

    public async Task WriteAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now, CancellationToken cancellationToken)
    {
        if (calls.Count == 0)
        {
            return;
        }

        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Prepare(context, transaction, calls, now);
            await ExecuteAsync(() => command.ExecuteNonQueryAsync(cancellationToken), context).ConfigureAwait(false);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static void Execute(Func<int> run, DbContext context)
    {
        try
        {
            run();
        }
        catch (DbException exception) when (!exception.IsTransient)
        {
            throw Explain(exception, context);
        }
    }

    private static async Task ExecuteAsync(Func<Task<int>> run, DbContext context)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (DbException exception) when (!exception.IsTransient)
        {
            throw Explain(exception, context);
        }
    }

    // A transient error (a connection cut, a failover) goes up unchanged, so that a retrying execution strategy
    // sees it and replays the save.
    private static InvalidOperationException Explain(DbException exception, DbContext context)
    {
        var table = context.Model.FindEntityType(typeof(KissOutboxMessage))?.GetTableName() ?? "kiss_outbox";
        return new InvalidOperationException(
            $"KissEf could not write tracking calls to its outbox table '{table}' ({exception.Message.Split('\n')[0].Trim()}). " +
            $"If the database was created before KissEf was added, add the table: run 'dotnet ef migrations add AddKissOutbox' " +
            $"and 'dotnet ef database update' for {context.GetType().Name} (or recreate a development database with EnsureCreated). " +
            "The save failed; none of its calls was written.",
            exception);
    }

    private DbCommand Prepare(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now)
    {
        var statement = _statements.GetOrAdd(context.Model, static (model, ctx) => Statement.For(model, ctx), context);
        var command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction;
        if (context.Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        var sql = new StringBuilder(statement.Prefix);
        AddParameter(command, statement.ParameterName(0), now);
        var rows = 0;
        var start = 0;
        while (start < calls.Count)
        {
            var count = 0;
            var chars = 0;
            var text = new StringBuilder();
            while (start + count < calls.Count && count < maxCallsPerRow
                   && (count == 0 || chars + calls[start + count].Line.Length < MaxCharsPerRow))
            {
                if (count > 0)
                {
                    text.Append('\n');
                }

                text.Append(calls[start + count].Line);
                chars += calls[start + count].Line.Length + 1;
                count++;
            }

            var callsIndex = (rows * 2) + 1;
            AddParameter(command, statement.ParameterName(callsIndex), text.ToString());
            AddParameter(command, statement.ParameterName(callsIndex + 1), count);
            if (rows > 0)
            {
                sql.Append(", ");
            }

            sql.Append('(')
                .Append(statement.Placeholder(callsIndex)).Append(", ")
                .Append(statement.Placeholder(callsIndex + 1)).Append(", ")
                .Append(statement.Placeholder(0)).Append(", 0, ")
                .Append(statement.Placeholder(0)).Append(", 0)");
            rows++;
            start += count;
        }

        command.CommandText = sql.Append(statement.Suffix).ToString();
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>The INSERT's head and the parameter naming of one model's provider, built once per model.</summary>
    private sealed class Statement
    {
        private readonly ISqlGenerationHelper _sql;

        private Statement(string prefix, string suffix, ISqlGenerationHelper sql)
        {
            Prefix = prefix;
            Suffix = suffix;
            _sql = sql;
        }

        public string Prefix { get; }

        /// <summary>What follows the INSERT: on PostgreSQL the NOTIFY that wakes other instances at commit.</summary>
        public string Suffix { get; }

        /// <summary>The name a parameter is given on the command (e.g. <c>@kiss3</c>).</summary>
        public string ParameterName(int index) => _sql.GenerateParameterName(Base(index));

        /// <summary>How the SQL text refers to that parameter.</summary>
        public string Placeholder(int index) => _sql.GenerateParameterNamePlaceholder(Base(index));

        private static string Base(int index) => "kiss" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static Statement For(IModel model, DbContext context)
        {
            var entity = model.FindEntityType(typeof(KissOutboxMessage))
                ?? throw new InvalidOperationException(
                    $"KissEf's outbox entity is not in the model of {context.GetType().Name}: was UseKissTracking(sp) called after the provider was configured?");
            var sql = context.GetService<ISqlGenerationHelper>();
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
            var prefix = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} (" +
                         $"{Column(nameof(KissOutboxMessage.Calls))}, {Column(nameof(KissOutboxMessage.CallCount))}, " +
                         $"{Column(nameof(KissOutboxMessage.CreatedAt))}, {Column(nameof(KissOutboxMessage.Attempts))}, " +
                         $"{Column(nameof(KissOutboxMessage.NextAttemptAt))}, {Column(nameof(KissOutboxMessage.LeaseExpiresAt))}) VALUES ";
            return new Statement(prefix, Claims.KissOutboxNotify.Suffix(context), sql);
        }
    }
}
