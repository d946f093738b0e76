using KissEf.Internal.Calls;

namespace KissEf.Internal.Model;

/// <summary>One event (<c>Record</c>) or property set (<c>Set</c>) a trigger produces.</summary>
internal sealed class KissCallTemplate<TEntity>
    where TEntity : class
{
    public KissCallTemplate(KissCallKind kind, string? eventName)
    {
        Kind = kind;
        EventName = eventName;
        EscapedEventName = eventName is null ? null : KissCallWriter.Escape(eventName);
    }

    public KissCallKind Kind { get; }

    /// <summary>The event name, for <see cref="KissCallKind.Event"/>.</summary>
    public string? EventName { get; }

    /// <summary><see cref="EventName"/> as it goes on the wire, escaped once when the map is built.</summary>
    public string? EscapedEventName { get; }

    public List<KissNamedValue<TEntity>> Properties { get; } = [];

    /// <summary>The event time, when mapped with <c>At</c>; else the time of the save.</summary>
    public KissValue<TEntity>? Time { get; set; }

    /// <summary>What the call is, for messages and logs; built once, when the map is compiled.</summary>
    public string Description { get; private set; } = string.Empty;

    /// <summary>The names the vendor's de-duplication compares: the event name, or every property name.</summary>
    public string[] KeyNames { get; private set; } = [];

    /// <summary>Fixes <see cref="Description"/> once the call's properties and its trigger are known.</summary>
    public void Seal(string trigger)
    {
        Description = Kind == KissCallKind.Event
            ? $"/e \"{EventName}\" of {typeof(TEntity).Name} ({trigger})"
            : $"/s ({string.Join(", ", Properties.Select(p => $"'{p.Name}'"))}) of {typeof(TEntity).Name} ({trigger})";
        KeyNames = Kind == KissCallKind.Event ? [EventName!] : [.. Properties.Select(p => p.Name)];
    }
}
