using KissEf.Internal.Calls;
using KissEf.Internal.Model;
using KissEf.Internal.Protocol;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Building;

/// <summary>
/// Writes the alias calls (<c>/a</c>) of a change: an identity's old value to its new one (<c>AliasOnChange</c>),
/// and two identities of one person once both are set (<c>Alias</c>). An alias of a value to itself is not sent.
/// </summary>
internal static class KissAliasCalls
{
    /// <summary>For each <c>AliasOnChange</c> member that changed: its value as it was to its value as saved.</summary>
    public static void WriteOnChange<TEntity>(KissEntityMap<TEntity> map, ulong changedMask, object?[]? originals, KissCallSink sink, TEntity entity, KissSlotValues values)
        where TEntity : class
    {
        var members = map.AliasOnChange;
        for (var i = 0; i < members.Length; i++)
        {
            var member = members[i];
            if ((changedMask & member.Bit) == 0 || originals is null)
            {
                continue;
            }

            var label = map.AliasOnChangeLabels[i];
            sink.Step = label;
            sink.Expression = member.Text;
            Write(
                values.ForText(member.Slot, originals[member.Slot]),
                values.ForText(member.Slot, member.Read(entity, values)),
                label,
                sink);
        }
    }

    /// <summary>For each <c>Alias</c> pair, on an addition or when either side changed: the two sides, when both are set.</summary>
    public static void WritePairs<TEntity>(KissEntityMap<TEntity> map, EntityState state, ulong changedMask, KissCallSink sink, TEntity entity, KissSlotValues values)
        where TEntity : class
    {
        var pairs = map.AliasPairs;
        for (var i = 0; i < pairs.Length; i++)
        {
            var (first, second) = pairs[i];
            if (state == EntityState.Modified && (changedMask & (first.Bit | second.Bit)) == 0)
            {
                continue;
            }

            var label = map.AliasPairLabels[i];
            sink.Step = label;
            sink.Expression = first.Text;
            var a = values.ForText(first.Slot, first.Read(entity, values));
            sink.Expression = second.Text;
            var b = values.ForText(second.Slot, second.Read(entity, values));

            // "When both are set": a pair with a missing side is not an alias yet, and not an error.
            if (a is null or "" || b is null or "")
            {
                continue;
            }

            Write(a, b, label, sink);
        }
    }

    private static void Write(object? fromValue, object? toValue, string description, KissCallSink sink)
    {
        var fromRule = KissValueFormatter.FormatIdentity(fromValue, out var from);
        var toRule = KissValueFormatter.FormatIdentity(toValue, out var to);
        if (fromRule is null && toRule is null && string.Equals(from, to, StringComparison.Ordinal))
        {
            return;
        }

        if (fromRule is not null)
        {
            sink.Skipped(description, $"{fromRule} (first identity)");
            return;
        }

        if (toRule is not null)
        {
            sink.Skipped(description, $"{toRule} (second identity)");
            return;
        }

        var writer = KissCallWriter.Start(KissCallKind.Alias, from!);
        writer.Name(to!);
        writer.Time(sink.SaveTime);
        sink.Add(new KissCall(writer.Finish(), description), from!, to!);
    }
}
