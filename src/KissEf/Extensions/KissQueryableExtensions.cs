using KissEf.Internal.Bulk;
using Microsoft.EntityFrameworkCore.Query;

namespace Microsoft.EntityFrameworkCore;

/// <summary>
/// Tracked bulk operations: EF's <c>ExecuteUpdate</c> and <c>ExecuteDelete</c>, with the calls KissEf's maps make for
/// the rows they change, as if each row had been loaded, changed (or removed) and saved with <c>SaveChanges</c>. The
/// rows and their calls commit together, in the caller's transaction or one the method opens; the rows are read (a
/// chunk of <c>BulkOperationChunkSize</c> at a time) before the statement and, for an update, after it. See
/// docs/bulk-operations.md for what that costs and how concurrent writers are kept out.
/// </summary>
public static class KissQueryableExtensions
{
    /// <summary>
    /// Updates the rows of <paramref name="source"/> with <paramref name="setPropertyCalls"/>, as
    /// <c>ExecuteUpdateAsync</c> does, and makes the calls of their maps: <c>OnModified</c>, and <c>OnChanged</c> for the
    /// members whose value the statement changed (originals as they were). A row the statement leaves as it was makes no call.
    /// </summary>
    /// <typeparam name="TSource">The entity type of the query.</typeparam>
    /// <param name="source">The rows to update: a query of a context set up with <c>UseKissTracking</c>.</param>
    /// <param name="setPropertyCalls">The properties to set and their new values, as for <c>ExecuteUpdateAsync</c>.</param>
    /// <param name="cancellationToken">Cancels the operation; a cancelled operation rolls back, calls included.</param>
    /// <returns>The number of rows updated.</returns>
    public static Task<int> ExecuteUpdateTrackedAsync<TSource>(
        this IQueryable<TSource> source, Action<UpdateSettersBuilder<TSource>> setPropertyCalls, CancellationToken cancellationToken = default)
        where TSource : class
    {
        ArgumentNullException.ThrowIfNull(setPropertyCalls);
        return KissTrackedBulkOperation<TSource>.RunAsync(source, setPropertyCalls, async: true, cancellationToken).AsTask();
    }

    /// <inheritdoc cref="ExecuteUpdateTrackedAsync{TSource}(IQueryable{TSource}, Action{UpdateSettersBuilder{TSource}}, CancellationToken)"/>
    public static int ExecuteUpdateTracked<TSource>(this IQueryable<TSource> source, Action<UpdateSettersBuilder<TSource>> setPropertyCalls)
        where TSource : class
    {
        ArgumentNullException.ThrowIfNull(setPropertyCalls);
        return KissTrackedBulkOperation<TSource>.RunAsync(source, setPropertyCalls, async: false, default).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Deletes the rows of <paramref name="source"/>, as <c>ExecuteDeleteAsync</c> does, and makes the <c>OnDeleted</c>
    /// calls of their maps, with their values as they were.
    /// </summary>
    /// <typeparam name="TSource">The entity type of the query.</typeparam>
    /// <param name="source">The rows to delete: a query of a context set up with <c>UseKissTracking</c>.</param>
    /// <param name="cancellationToken">Cancels the operation; a cancelled operation rolls back, calls included.</param>
    /// <returns>The number of rows deleted.</returns>
    public static Task<int> ExecuteDeleteTrackedAsync<TSource>(this IQueryable<TSource> source, CancellationToken cancellationToken = default)
        where TSource : class
        => KissTrackedBulkOperation<TSource>.RunAsync(source, null, async: true, cancellationToken).AsTask();

    /// <inheritdoc cref="ExecuteDeleteTrackedAsync{TSource}(IQueryable{TSource}, CancellationToken)"/>
    public static int ExecuteDeleteTracked<TSource>(this IQueryable<TSource> source)
        where TSource : class
        => KissTrackedBulkOperation<TSource>.RunAsync(source, null, async: false, default).AsTask().GetAwaiter().GetResult();
}
