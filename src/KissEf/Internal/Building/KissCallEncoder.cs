using KissEf.Internal.Calls;
using KissEf.Internal.Model;
using KissEf.Internal.Protocol;

namespace KissEf.Internal.Building;

/// <summary>
/// Writes one event or property set of a trigger: its time (the save's, or its own checked against the vendor's
/// rules), then each property value formatted and held to the length limit; a value that breaks a rule costs that
/// property, never the call.
/// </summary>
internal static class KissCallEncoder
{
    public static void Write<TEntity>(
        KissCallTemplate<TEntity> template,
        string identity,
        object?[]? originals,
        KissCallSink sink,
        TEntity entity,
        KissSlotValues values)
        where TEntity : class
    {
        sink.Step = template.Description;
        var time = sink.SaveTime;
        if (template.Time is { } at)
        {
            sink.Expression = at.Text;
            if (KissValueFormatter.ToTime(at.Read(entity, values)) is not { } mapped)
            {
                sink.Skipped(template.Description, $"its time {at.Text} has no value");
                return;
            }

            time = mapped;
        }

        if (KissNameRules.CheckTime(time, sink.SaveTime) is { } timeRule)
        {
            sink.Skipped(template.Description, $"{timeRule} (check the mapping of {template.Time?.Text ?? "the clock"})");
            return;
        }

        var writer = KissCallWriter.Start(template.Kind, identity);
        if (template.Kind == KissCallKind.Event)
        {
            writer.EscapedName(template.EscapedEventName!);
        }

        writer.Time(time);
        var written = 0;
        var logs = sink.LogCount;
        List<string>? names = null;
        foreach (var property in template.Properties)
        {
            sink.Expression = property.Value.Text;
            var raw = property.Original && originals is not null && property.Value.Slot >= 0
                ? originals[property.Value.Slot]
                : property.Value.Read(entity, values);
            if (!KissValueFormatter.TryFormat(values.ForText(property.Value.Slot, raw), out var text, out var valueRule))
            {
                sink.Dropped(property.Name, template.Description, $"{valueRule} ({property.Value.Text})");
                continue;
            }

            if (text is null)
            {
                continue;
            }

            if (text.Length > sink.MaxValueLength)
            {
                sink.Dropped(property.Name, template.Description, $"its value has {text.Length} characters, over the limit of {sink.MaxValueLength} (MaxPropertyValueLength)");
                continue;
            }

            writer.EscapedProperty(property.EscapedName, text);
            written++;
            if (template.Kind == KissCallKind.Set && written < template.Properties.Count)
            {
                (names ??= []).Add(property.Name);
            }
        }

        // A property set with nothing to set says nothing: not sent.
        if (template.Kind == KissCallKind.Set && written == 0)
        {
            writer.Cancel();
            sink.SetDropped(template.Description, logs);
            return;
        }

        IReadOnlyList<string> keyNames = written == template.Properties.Count || template.Kind == KissCallKind.Event ? template.KeyNames : names!;
        sink.Add(
            new KissCall(writer.Finish(), template.Description)
            {
                Person = identity,
                KeyNames = keyNames,
                Time = time.ToUnixTimeSeconds(),
            },
            identity);
    }
}
