namespace KissEf.Internal.Model;

/// <summary>Which entity changes a trigger reacts to.</summary>
internal enum KissTriggerKind
{
    Added,
    Modified,
    Changed,
    Deleted,
}
