using KissEf.Internal.Backfill;
using KissEf.Internal.Building;
using KissEf.Internal.Capture;
using KissEf.Internal.Logging;
using KissEf.Internal.Model;
using KissEf.Internal.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Bulk;

/// <summary>
/// One <c>ExecuteUpdateTracked</c> or <c>ExecuteDeleteTracked</c>: the statement, run a chunk of rows at a time in one
/// transaction, with the calls the rows' maps would make had each row been loaded, changed by the setters (or deleted)
/// and saved, written beside them. Each chunk: the next rows in key order; on a database that needs it, a lock on them
/// and a read of them as they now are; the statement restricted to their keys; for an update, a read of them as saved.
/// The calls are built from the two readings, as a save builds them from its entries' original and current values.
/// </summary>
/// <typeparam name="TEntity">The entity type of the operation's query.</typeparam>
internal sealed class KissTrackedBulkOperation<TEntity>
    where TEntity : class
{
    private readonly IQueryable<TEntity> _rows;
    private readonly Action<UpdateSettersBuilder<TEntity>>? _setters;
    private readonly DbContext _context;
    private readonly KissRuntime _runtime;
    private readonly IEntityType _entityType;
    private readonly KissKeyQueries<TEntity> _keys;
    private readonly string? _lockSql;
    private readonly string[] _includes;

    private KissTrackedBulkOperation(
        IQueryable<TEntity> rows, Action<UpdateSettersBuilder<TEntity>>? setters, DbContext context, KissRuntime runtime, IEntityType entityType, IProperty key)
    {
        _rows = rows;
        _setters = setters;
        _context = context;
        _runtime = runtime;
        _entityType = entityType;
        _keys = new KissKeyQueries<TEntity>(key);
        _lockSql = LockSql(context, entityType, key);
        _includes = Includes(runtime.Model, entityType);
    }

    private string Operation => _setters is null ? "ExecuteDeleteTracked" : "ExecuteUpdateTracked";

    /// <summary>Runs the operation on <paramref name="rows"/> (<paramref name="setters"/> null: a delete); returns the rows it changed.</summary>
    public static async ValueTask<int> RunAsync(
        IQueryable<TEntity> rows, Action<UpdateSettersBuilder<TEntity>>? setters, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var operation = setters is null ? "ExecuteDeleteTracked" : "ExecuteUpdateTracked";
        var context = KissQueryContext.Of(rows)
            ?? throw new InvalidOperationException($"{operation} runs on a query of a DbContext (db.Set<{typeof(TEntity).Name}>() and the operators after it); this query's context could not be found.");
        var runtime = context.GetService<IDbContextOptions>().FindExtension<KissOptionsExtension>()?.Runtime
            ?? throw new InvalidOperationException(
                $"{operation} makes the calls of {typeof(TEntity).Name}'s maps, and {context.GetType().Name} is not set up with UseKissTracking(): " +
                $"set it up, or use {operation.Replace("Tracked", string.Empty, StringComparison.Ordinal)} for a statement KissEf does not track.");
        var entityType = context.Model.FindEntityType(typeof(TEntity))
            ?? throw new InvalidOperationException($"{operation}: {typeof(TEntity).Name} is not an entity type of {context.GetType().Name}'s model.");

        runtime.EnsureConfigured();
        runtime.Model.EnsureValid(context.Model);
        runtime.EnsureSupported(context, relational: true);

        if (!Tracks(runtime.Model, entityType, delete: setters is null))
        {
            // No map of these rows makes a call for this change: the statement alone, as EF runs it.
            var plain = rows.TagWith(KissBulkOperationGuard.TrackedTag);
            return setters is null
                ? async ? await plain.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) : plain.ExecuteDelete()
                : async ? await plain.ExecuteUpdateAsync(setters, cancellationToken).ConfigureAwait(false) : plain.ExecuteUpdate(setters);
        }

        if (entityType.FindPrimaryKey() is not { Properties: [var key] })
        {
            throw new NotSupportedException(
                $"{operation} reads {entityType.DisplayName()}'s rows in chunks in the order of their primary key, and needs a primary key of one property; " +
                $"{entityType.DisplayName()} has {(entityType.FindPrimaryKey() is { } composite ? "a key of " + composite.Properties.Count + " properties" : "no key")}. " +
                "Change the entities and call SaveChanges instead.");
        }

        return await new KissTrackedBulkOperation<TEntity>(rows, setters, context, runtime, entityType, key)
            .RunAsync(async, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<int> RunAsync(bool async, CancellationToken cancellationToken)
    {
        var database = _context.Database;
        if (database.CurrentTransaction is { } transaction)
        {
            return await InUserTransactionAsync(transaction, async, cancellationToken).ConfigureAwait(false);
        }

        if (System.Transactions.Transaction.Current is not null)
        {
            return await ChunksAsync(async, cancellationToken).ConfigureAwait(false);
        }

        // A transaction of its own, retried whole by the context's execution strategy: its calls go when it commits,
        // through the interceptor every transaction of a tracked context has; a failed attempt's calls die with it.
        var strategy = database.CreateExecutionStrategy();
        if (!async)
        {
            return strategy.Execute(this, static operation => operation.OwnTransactionAsync(false, default).AsTask().GetAwaiter().GetResult());
        }

        return await strategy.ExecuteAsync(this, static (_, operation, token) => operation.OwnTransactionAsync(true, token).AsTask(), null, cancellationToken)
            .ConfigureAwait(false);
    }

    private async ValueTask<int> OwnTransactionAsync(bool async, CancellationToken cancellationToken)
    {
        var database = _context.Database;
        var transaction = async ? await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : database.BeginTransaction();
        try
        {
            var rows = await ChunksAsync(async, cancellationToken).ConfigureAwait(false);
            if (async)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                transaction.Commit();
            }

            return rows;
        }
        finally
        {
            if (async)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                transaction.Dispose();
            }
        }
    }

    /// <summary>
    /// In the caller's transaction, behind a savepoint: a failure undoes the statements and calls this operation wrote,
    /// and leaves the caller's transaction as it was before it (usable, on PostgreSQL too).
    /// </summary>
    private async ValueTask<int> InUserTransactionAsync(IDbContextTransaction transaction, bool async, CancellationToken cancellationToken)
    {
        const string savepoint = "kissef_bulk";
        if (!transaction.SupportsSavepoints)
        {
            return await ChunksAsync(async, cancellationToken).ConfigureAwait(false);
        }

        if (async)
        {
            await transaction.CreateSavepointAsync(savepoint, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            transaction.CreateSavepoint(savepoint);
        }

        try
        {
            var rows = await ChunksAsync(async, cancellationToken).ConfigureAwait(false);
            if (async)
            {
                await transaction.ReleaseSavepointAsync(savepoint, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                transaction.ReleaseSavepoint(savepoint);
            }

            return rows;
        }
        catch
        {
            try
            {
                if (async)
                {
                    await transaction.RollbackToSavepointAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    transaction.RollbackToSavepoint(savepoint);
                }
            }
            catch (Exception rollback)
            {
                KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, rollback);
            }

            throw;
        }
    }

    /// <summary>Every chunk, in the transaction the context is in (or the ambient one).</summary>
    private async ValueTask<int> ChunksAsync(bool async, CancellationToken cancellationToken)
    {
        var sink = new KissCallSink(_context, _runtime.Time.GetUtcNow(), _runtime.Logger, _runtime.MaxValueLength, _runtime.Metrics, _runtime.Consent);
        var output = new KissBulkCallOutput(_context, _runtime);
        var size = _runtime.BulkOperationChunkSize;
        var total = 0;
        var first = true;
        while (true)
        {
            var page = await ListAsync(Read(_keys.Next(_rows, first, size)), async, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return total;
            }

            first = false;
            _keys.Chunk.SetLast(_keys.KeyOf(page[^1]));
            _keys.Chunk.SetKeys(page.ConvertAll(_keys.KeyOf));
            var before = page;
            if (_lockSql is not null)
            {
                // Locked, then read again: a row another writer changed since the first read is read as it now is, and
                // one it took out of the query is left out, as the statement would.
                object[] parameters = [_keys.Chunk.Keys];
                _ = async
                    ? await _context.Database.ExecuteSqlRawAsync(_lockSql, parameters, cancellationToken).ConfigureAwait(false)
                    : _context.Database.ExecuteSqlRaw(_lockSql, parameters);
                before = await ListAsync(Read(_keys.InChunk(_rows)), async, cancellationToken).ConfigureAwait(false);
                _keys.Chunk.SetKeys(before.ConvertAll(_keys.KeyOf));
            }

            var statement = _keys.InChunk(_rows).TagWith(KissBulkOperationGuard.TrackedTag);
            if (_setters is null)
            {
                foreach (var row in before)
                {
                    BuildDeleted(row, sink);
                }

                total += async ? await statement.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) : statement.ExecuteDelete();
            }
            else
            {
                total += async
                    ? await statement.ExecuteUpdateAsync(_setters, cancellationToken).ConfigureAwait(false)
                    : statement.ExecuteUpdate(_setters);

                // As saved: the query's filters may no longer hold for a changed row (a soft delete, say).
                var saved = await ListAsync(Read(_keys.InChunk(_context.Set<TEntity>().IgnoreQueryFilters())), async, cancellationToken).ConfigureAwait(false);
                var after = new Dictionary<object, TEntity>(saved.Count);
                foreach (var row in saved)
                {
                    after[_keys.KeyOf(row)] = row;
                }

                foreach (var row in before)
                {
                    if (after.TryGetValue(_keys.KeyOf(row), out var changed))
                    {
                        BuildModified(row, changed, sink);
                    }
                }
            }

            await output.WriteAsync(sink, async, cancellationToken).ConfigureAwait(false);
            if (page.Count < size)
            {
                return total;
            }
        }
    }

    /// <summary>A read of rows as they are, with what the maps read through navigations, not tracked.</summary>
    private IQueryable<TEntity> Read(IQueryable<TEntity> rows)
    {
        var query = rows.AsNoTracking().TagWith(KissBulkOperationGuard.TrackedTag);
        foreach (var include in _includes)
        {
            query = query.Include(include);
        }

        return query;
    }

    private void BuildDeleted(TEntity row, KissCallSink sink)
    {
        var type = _context.Model.FindEntityType(row.GetType()) ?? _entityType;
        if (_runtime.Model.FindMap(row.GetType()) is { TracksDeleted: true } map)
        {
            Build(map, row, type, EntityState.Deleted, 0, null, sink);
        }
    }

    /// <summary>A row the statement changed: its calls, as a save of the row with these changes would make them; none when nothing changed.</summary>
    private void BuildModified(TEntity before, TEntity after, KissCallSink sink)
    {
        var type = _context.Model.FindEntityType(after.GetType()) ?? _entityType;
        if (_runtime.Model.FindMap(after.GetType()) is not { TracksModified: true } map || KissRowValues.Same(type, before, after))
        {
            return;
        }

        var paths = map.Bind(type).Paths;
        var slots = Math.Min(paths.Length, KissEntityMap.MaxWatched);
        object?[]? originals = null;
        ulong changed = 0;
        for (var slot = 0; slot < slots; slot++)
        {
            if ((map.WatchedMask & (1UL << slot)) == 0 || paths[slot] is not { } path)
            {
                continue;
            }

            var was = KissRowValues.Read(path, before);
            if (KissRowValues.Changed(path, was, KissRowValues.Read(path, after)))
            {
                changed |= 1UL << slot;
            }

            if (map.NeedsOriginals)
            {
                originals ??= new object?[slots];
                originals[slot] = path.IsScalar ? was : null;
            }
        }

        if (changed != 0 || map.HasOnModified)
        {
            Build(map, after, type, EntityState.Modified, changed, originals, sink);
        }
    }

    /// <summary>Builds one row's calls; a map expression that throws costs that row's calls, never the statement, as at a save.</summary>
    private static void Build(KissEntityMap map, TEntity row, IEntityType type, EntityState state, ulong changed, object?[]? originals, KissCallSink sink)
    {
        var mark = sink.Calls.Count;
        try
        {
            KissCallBuilder.FromRow(map, row, type, state, changed, originals, sink);
        }
        catch (Exception exception)
        {
            sink.Calls.RemoveRange(mark, sink.Calls.Count - mark);
            sink.Failed(sink.Step, sink.Expression, exception);
        }
    }

    private static async ValueTask<List<TEntity>> ListAsync(IQueryable<TEntity> query, bool async, CancellationToken cancellationToken)
        => async ? await query.ToListAsync(cancellationToken).ConfigureAwait(false) : query.ToList();

    /// <summary>True when a map of <paramref name="entityType"/> or of a type derived from it makes calls for this change.</summary>
    private static bool Tracks(KissModel model, IEntityType entityType, bool delete)
        => entityType.GetDerivedTypesInclusive().Any(t => model.FindMap(t.ClrType) is { } map && (delete ? map.TracksDeleted : map.TracksModified));

    /// <summary>The provider's lock of a chunk's rows (<see cref="Outbox.KissOutboxProvider.LockRowsSql"/>), over the table of the key; null when none.</summary>
    private static string? LockSql(DbContext context, IEntityType entityType, IProperty key)
    {
        var root = entityType.GetRootType();
        if (root.GetTableName() is not { } table)
        {
            return null;
        }

        var schema = root.GetSchema();
        var sql = context.GetService<ISqlGenerationHelper>();
        var column = key.GetColumnName(StoreObjectIdentifier.Table(table, schema)) ?? key.GetColumnName();
        return KissOutboxProviders.Named(context.Database.ProviderName).LockRowsSql(sql.DelimitIdentifier(table, schema), sql.DelimitIdentifier(column));
    }

    /// <summary>
    /// The navigations to other rows the map's member paths go through (<c>o.Buyer.IdentityGuid</c>), as <c>Include</c>
    /// paths: the rows are read with them, as a save finds them loaded. Owned entities come with their owner.
    /// </summary>
    private static string[] Includes(KissModel model, IEntityType entityType)
    {
        if (model.FindMap(entityType.ClrType) is not { } map)
        {
            return [];
        }

        var includes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in map.Bind(entityType).Paths)
        {
            if (path is null)
            {
                continue;
            }

            var last = Array.FindLastIndex(path.Navigations, n => !n.ForeignKey.IsOwnership);
            if (last >= 0)
            {
                includes.Add(string.Join('.', path.Navigations.Take(last + 1).Select(n => n.Name)));
            }
        }

        return [.. includes];
    }
}
