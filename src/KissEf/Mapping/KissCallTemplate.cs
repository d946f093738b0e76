using KissEf.Protocol;

namespace KissEf.Mapping;

/// <summary>One event (<c>Record</c>) or property set (<c>Set</c>) a trigger produces.</summary>
internal sealed class KissCallTemplate<TEntity>
    where TEntity : class
{
    public KissCallTemplate(KissCallKind kind, string? eventName)
    {
        Kind = kind;
        EventName = eventName;
    }

    public KissCallKind Kind { get; }

    /// <summary>The event name, for <see cref="KissCallKind.Event"/>.</summary>
    public string? EventName { get; }

    public List<KissNamedValue<TEntity>> Properties { get; } = [];

    /// <summary>The event time, when mapped with <c>At</c>; else the time of the save.</summary>
    public KissValue<TEntity>? Time { get; set; }

    /// <summary>What the call is, for messages and logs.</summary>
    public string Describe(string entityName) => Kind == KissCallKind.Event
        ? $"event '{EventName}' of {entityName}"
        : $"property set of {entityName} ({string.Join(", ", Properties.Select(p => $"'{p.Name}'"))})";
}
