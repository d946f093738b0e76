using KissEf.Internal.Model;
using KissEf.Internal.Protocol;

namespace KissEf.Internal.Building;

/// <summary>
/// The person (<c>_p</c>) of an entity's calls from its identity, read once per change, by the first trigger that
/// fires without <c>IdentifiedBy</c>. A struct local to one build: nothing is allocated for it. An identity that reads
/// an application service (<c>HasIdentity&lt;TService&gt;</c>) resolves it here, once per change; one that does not
/// takes the path it always took.
/// </summary>
internal struct KissEntityIdentity
{
    private bool _read;
    private string? _person;
    private string? _rule;

    /// <summary>The person, or the rule it breaks (then every call of the trigger is skipped with it).</summary>
    public (string? Person, string? Rule) Of<TEntity>(
        KissEntityMap<TEntity> map,
        KissTrigger<TEntity> trigger,
        TEntity entity,
        KissSlotValues values,
        KissCallSink sink)
        where TEntity : class
    {
        if (!_read)
        {
            var identity = map.Identity;
            if (identity.ServiceType is not null)
            {
                (_person, _rule) = KissServicePersons.ReadIdentity(identity, entity, values, trigger.Label, sink);
            }
            else
            {
                sink.Step = trigger.Label;
                sink.Expression = identity.Text;
                _rule = KissValueFormatter.FormatIdentity(values.ForText(identity.Slot, identity.Read(entity, values)), out _person) is { } rule
                    ? $"{rule} (identity {identity.Text})"
                    : null;
            }

            _read = true;
        }

        return (_person, _rule);
    }
}
