namespace KissEf;

/// <summary>
/// What KissEf does when an <c>ExecuteUpdate</c> or <c>ExecuteDelete</c> changes rows of an entity type whose maps
/// would have made calls: <see cref="KissTrackingOptions.UntrackedBulkOperations"/>. Those statements bypass the change
/// tracker, so no call is made for the rows they change.
/// </summary>
public enum KissBulkOperationPolicy
{
    /// <summary>The default: log warning 1006 once per query shape, naming the entity, the skipped triggers and the tracked method to use.</summary>
    Warn,

    /// <summary>Throw an <see cref="InvalidOperationException"/> with the same text before the statement runs.</summary>
    Throw,

    /// <summary>Say nothing: the application accepts that these statements make no call.</summary>
    Ignore,
}
