using System.Linq.Expressions;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KissEf.Internal.Capture;

/// <summary>
/// Makes an untracked bulk operation visible: an <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> bypasses the change tracker,
/// so the maps of its entity type make no call. EF compiles a query shape once and caches it, so this check runs once
/// per shape, before the statement runs (which lets <see cref="KissBulkOperationPolicy.Throw"/> stop it).
/// </summary>
internal sealed class KissBulkOperationGuard(IDbContextOptions options) : IQueryExpressionInterceptor
{
    /// <summary>
    /// The query tag of the statements a tracked bulk operation runs (its calls are made): they are not reported. It also
    /// reads in the database's log, as a SQL comment, which statement was KissEf's.
    /// </summary>
    public const string TrackedTag = "KissEf tracked bulk operation";

    private readonly KissRuntime? _runtime = options.FindExtension<KissOptionsExtension>()?.Runtime;

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
    {
        if (_runtime is null
            || queryExpression is not MethodCallExpression { Method.Name: "ExecuteUpdate" or "ExecuteDelete" } call
            || call.Method.DeclaringType?.Namespace != "Microsoft.EntityFrameworkCore"
            || call.Arguments.Count == 0
            || ElementType(call.Arguments[0].Type) is not { } entityType
            || _runtime.Model.FindMap(entityType) is not { } map
            || IsTracked(call.Arguments[0]))
        {
            return queryExpression;
        }

        var delete = call.Method.Name == "ExecuteDelete";
        if (delete ? !map.TracksDeleted : !map.TracksModified)
        {
            return queryExpression;
        }

        var policy = _runtime.BulkOperationPolicy;
        if (policy == KissBulkOperationPolicy.Ignore)
        {
            return queryExpression;
        }

        var operation = delete ? "ExecuteDelete" : "ExecuteUpdate";
        var triggers = delete ? "OnDeleted" : "OnModified/OnChanged";
        var tracked = delete ? "ExecuteDeleteTracked(Async)" : "ExecuteUpdateTracked(Async)";
        if (policy == KissBulkOperationPolicy.Throw)
        {
            throw new InvalidOperationException(KissLog.UntrackedBulkOperationText(operation, entityType.Name, triggers, tracked));
        }

        KissLog.UntrackedBulkOperation(_runtime.Logger, operation, entityType.Name, triggers, tracked);
        return queryExpression;
    }

    /// <summary>True when the statement's source carries <see cref="TrackedTag"/>: KissEf's own, whose calls are made.</summary>
    private static bool IsTracked(Expression source)
    {
        while (source is MethodCallExpression { Arguments.Count: > 0 } call)
        {
            if (call.Method.Name == "TagWith" && call.Arguments is [_, ConstantExpression { Value: TrackedTag }])
            {
                return true;
            }

            source = call.Arguments[0];
        }

        return false;
    }

    /// <summary>The entity type of the source of the statement: <c>T</c> of its <c>IQueryable&lt;T&gt;</c>.</summary>
    private static Type? ElementType(Type source)
        => source.IsGenericType && source.GetGenericTypeDefinition() == typeof(IQueryable<>)
            ? source.GetGenericArguments()[0]
            : source.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IQueryable<>))?.GetGenericArguments()[0];
}
