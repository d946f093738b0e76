using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using KissEf.Internal.Logging;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Writes a save's calls as outbox rows, in the transaction that holds the change, with one parameterized
/// multi-row INSERT. Table and column names come from the EF model and are quoted by the provider's
/// <see cref="ISqlGenerationHelper"/>: no provider-specific SQL. A row holds a chunk of calls (DESIGN.md §4:
/// chunk rows cost ≈2% of the save, one row per call ≈40%, tracked entities ≥110%).
/// </summary>
/// <remarks>
/// With <c>UseTenants</c> each row's header names the tenant of the context that writes it (<see cref="KissTenantHeader"/>),
/// so that its calls are sent with that tenant's API key: rows of tenants that share a database keep apart.
/// </remarks>
internal sealed class KissOutboxWriter(int maxCallsPerRow, IKissOutboxProviders providers, IKissTenants? tenants = null)
{
    private const int MaxCharsPerRow = 256 * 1024;

    private const string SaveFailed = "The save failed; none of its calls was written.";

    private readonly ConcurrentDictionary<IModel, Statement> _statements = new(ReferenceEqualityComparer.Instance);

    public void Write(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now)
    {
        if (calls.Count == 0)
        {
            return;
        }

        // The relational connection is resolved directly: the DatabaseFacade's dependencies (context.Database)
        // are a graph of scoped services that a save does not otherwise build. In a transaction the connection is
        // open (and stays so until it ends): EF's open/close bookkeeping is needed only for a write outside one.
        var connection = context.GetService<IRelationalConnection>();
        var open = transaction is null;
        if (open)
        {
            connection.Open();
        }

        try
        {
            var statement = StatementOf(context);
            using var command = Prepare(statement, context, connection, transaction, calls, now);
            try
            {
                command.ExecuteNonQuery();
                statement.Written(connection);
            }
            catch (DbException exception) when (!exception.IsTransient)
            {
                throw Explain(exception, context);
            }
        }
        finally
        {
            if (open)
            {
                connection.Close();
            }
        }
    }

    public async Task WriteAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now, CancellationToken cancellationToken)
    {
        if (calls.Count == 0)
        {
            return;
        }

        var connection = context.GetService<IRelationalConnection>();
        var open = transaction is null;
        if (open)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var statement = StatementOf(context);
            var command = Prepare(statement, context, connection, transaction, calls, now);
            await using (command.ConfigureAwait(false))
            {
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    statement.Written(connection);
                }
                catch (DbException exception) when (!exception.IsTransient)
                {
                    throw Explain(exception, context);
                }
            }
        }
        finally
        {
            if (open)
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
        }
    }

    // A transient error (a connection cut, a failover) goes up unchanged, so that a retrying execution strategy
    // sees it and replays the save. Any other error fails the save, whatever it is: the rows are written in the save's
    // transaction, and a change never commits without its calls (a savepoint around the INSERT could keep the change
    // and lose the calls in silence). Only a table that does not exist calls for a migration.
    private InvalidOperationException Explain(DbException exception, DbContext context)
    {
        var table = context.Model.FindEntityType(typeof(KissOutboxMessage))?.GetTableName() ?? "kiss_outbox";
        var reason = KissText.Clause(exception.Message);
        var migrate = $"run 'dotnet ef migrations add AddKissOutbox' and 'dotnet ef database update' for {context.GetType().Name} " +
                      "(or recreate a development database with EnsureCreated)";
        return new InvalidOperationException(
            providers.For(context).IsMissingTable(exception) switch
            {
                true => $"KissEf could not write tracking calls to its outbox table '{table}': the table, or a column of it, does not exist ({reason}). " +
                        $"If the database was created before KissEf was added, add the table: {migrate}. {SaveFailed}",
                false => $"KissEf could not write tracking calls to its outbox table '{table}': the database refused them ({reason}). " +
                         "KissEf's INSERT sets only the columns of its own entity, so a required column without a default, a constraint or a trigger " +
                         "that the table has and the entity does not (one an earlier migration added while the application's conventions " +
                         $"changed KissEf's entity, say) makes it fail. {SaveFailed}",
                null => $"KissEf could not write tracking calls to its outbox table '{table}' ({reason}). " +
                        $"If the table does not exist yet, add it: {migrate}. {SaveFailed}",
            },
            exception);
    }

    /// <summary>
    /// True when this model's INSERT has written rows to the database <paramref name="context"/> is connected to: its
    /// outbox table exists (or did), so the rows may travel in EF's own command (<see cref="AddTo"/>), where a failure is
    /// the database's error, not <see cref="Explain"/>'s.
    /// </summary>
    public bool HasWritten(DbContext context)
        => _statements.TryGetValue(context.Model, out var statement) && statement.HasWritten(context.GetService<IRelationalConnection>());

    /// <summary>
    /// Adds the INSERT of <paramref name="calls"/> (and the provider's wake) to EF's command of a save, after EF's own
    /// statement: the database runs them as one implicit transaction, so the rows commit with the change, in the same
    /// round trip, or neither does.
    /// </summary>
    public void AddTo(DbContext context, DbCommand command, IReadOnlyList<KissCall> calls, long now)
    {
        if (calls.Count == 0)
        {
            return;
        }

        var statement = StatementOf(context);
        var text = command.CommandText.TrimEnd();
        var rows = AddRows(statement, context, command, calls, now);
        command.CommandText = string.Concat(text, text.EndsWith(';') ? "\n" : ";\n", statement.Sql(rows));
    }

    private Statement StatementOf(DbContext context)
        => _statements.GetOrAdd(context.Model, static (_, a) => Statement.For(a.Context, a.Providers), (Context: context, Providers: providers));

    private DbCommand Prepare(Statement statement, DbContext context, IRelationalConnection connection, DbTransaction? transaction, IReadOnlyList<KissCall> calls, long now)
    {
        var command = connection.DbConnection.CreateCommand();
        command.Transaction = transaction;
        if (connection.CommandTimeout is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        command.CommandText = statement.Sql(AddRows(statement, context, command, calls, now));
        return command;
    }

    /// <summary>Adds the INSERT's parameters to <paramref name="command"/>: the time, then each row's calls and count; returns the rows.</summary>
    private int AddRows(Statement statement, DbContext context, DbCommand command, IReadOnlyList<KissCall> calls, long now)
    {
        AddParameter(command, statement.ParameterName(0), now);
        var rows = 0;
        var start = 0;

        // The save runs in the request's trace: each row keeps its context for the delivery span's link (and, with
        // tenants, the save's tenant for its key).
        var header = KissTraceHeader.Write(Activity.Current);
        if (tenants is not null)
        {
            header = KissTenantHeader.Append(header, KissCommitOrigin.TenantOf(context, tenants));
        }

        while (start < calls.Count)
        {
            var count = 0;
            var chars = 0;
            while (start + count < calls.Count && count < maxCallsPerRow
                   && (count == 0 || chars + calls[start + count].Line.Length < MaxCharsPerRow))
            {
                chars += calls[start + count].Line.Length + 1;
                count++;
            }

            var callsIndex = (rows * 2) + 1;
            AddParameter(command, statement.ParameterName(callsIndex), KissOutboxRowWriter.Join(header, calls, start, count));
            AddParameter(command, statement.ParameterName(callsIndex + 1), count);
            rows++;
            start += count;
        }

        return rows;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// The INSERT of one model's provider, built once per model: its head, its parameter names, and its full text
    /// per number of rows (a save writes one row per <c>MaxCallsPerRow</c> calls, so a handful of texts in all).
    /// </summary>
    private sealed class Statement
    {
        private readonly ISqlGenerationHelper _sql;
        private readonly string _prefix;

        // What follows the INSERT: the provider's wake of other instances at commit (on PostgreSQL a NOTIFY), or nothing.
        private readonly string _suffix;
        private readonly ConcurrentDictionary<int, string> _texts = new();

        // The connection strings of the databases this INSERT has written to (a database per tenant: a handful to a few
        // hundred strings per model).
        private readonly ConcurrentDictionary<string, bool> _written = new(StringComparer.Ordinal);
        private string[] _names = [];

        private Statement(string prefix, string suffix, ISqlGenerationHelper sql)
        {
            _prefix = prefix;
            _suffix = suffix;
            _sql = sql;
        }

        /// <summary>True once this INSERT has written to the database of <paramref name="connection"/>.</summary>
        public bool HasWritten(IRelationalConnection connection)
            => connection.ConnectionString is { } database && _written.ContainsKey(database);

        /// <summary>This INSERT wrote to the database of <paramref name="connection"/>.</summary>
        public void Written(IRelationalConnection connection)
        {
            if (connection.ConnectionString is { } database)
            {
                _written.TryAdd(database, true);
            }
        }

        /// <summary>The name a parameter is given on the command (e.g. <c>@kiss3</c>).</summary>
        public string ParameterName(int index)
        {
            var names = Volatile.Read(ref _names);
            if (index < names.Length)
            {
                return names[index];
            }

            // Grown rarely (the first save with more rows than any before); a race only builds the same names twice.
            var grown = new string[Math.Max(index + 1, names.Length * 2)];
            for (var i = 0; i < grown.Length; i++)
            {
                grown[i] = i < names.Length ? names[i] : _sql.GenerateParameterName(Base(i));
            }

            Volatile.Write(ref _names, grown);
            return grown[index];
        }

        /// <summary>The INSERT of <paramref name="rows"/> rows; parameter 0 is the time, 2r+1 and 2r+2 row r's calls and count.</summary>
        public string Sql(int rows) => _texts.GetOrAdd(rows, static (n, self) => self.Build(n), this);

        private string Build(int rows)
        {
            var sql = new StringBuilder(_prefix);
            var now = Placeholder(0);
            for (var row = 0; row < rows; row++)
            {
                var callsIndex = (row * 2) + 1;
                if (row > 0)
                {
                    sql.Append(", ");
                }

                sql.Append('(')
                    .Append(Placeholder(callsIndex)).Append(", ")
                    .Append(Placeholder(callsIndex + 1)).Append(", ")
                    .Append(now).Append(", 0, ")
                    .Append(now).Append(", 0)");
            }

            return sql.Append(_suffix).ToString();
        }

        /// <summary>How the SQL text refers to that parameter.</summary>
        private string Placeholder(int index) => _sql.GenerateParameterNamePlaceholder(Base(index));

        private static string Base(int index) => "kiss" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static Statement For(DbContext context, IKissOutboxProviders providers)
        {
            var n = KissOutboxNames.Of(context);
            var prefix = $"INSERT INTO {n.QuotedTable} (" +
                         $"{n.Column(nameof(KissOutboxMessage.Calls))}, {n.Column(nameof(KissOutboxMessage.CallCount))}, " +
                         $"{n.Column(nameof(KissOutboxMessage.CreatedAt))}, {n.Column(nameof(KissOutboxMessage.Attempts))}, " +
                         $"{n.Column(nameof(KissOutboxMessage.NextAttemptAt))}, {n.Column(nameof(KissOutboxMessage.LeaseExpiresAt))}) VALUES ";
            return new Statement(prefix, providers.For(context).NotifySuffix(n), n.Sql);
        }
    }
}
