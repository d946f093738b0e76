using KissEf.Internal.Calls;
using KissEf.Internal.Protocol;

namespace KissEf.Internal.Model;

/// <summary>
/// Checks an entity's builder against the vendor's rules and the map's own before it is compiled, so that a broken
/// map fails at start-up with a message that names the entity, the call and the member, never at a save.
/// </summary>
internal static class KissMapRules
{
    /// <summary>Adds to <paramref name="errors"/> what breaks a rule; true when nothing does.</summary>
    public static bool Check<TEntity>(KissEntityTypeBuilder<TEntity> builder, List<string> errors)
        where TEntity : class
    {
        var entity = typeof(TEntity).Name;
        var before = errors.Count;
        if (builder.Identity is null)
        {
            errors.Add($"Entity '{entity}': no identity. Call HasIdentity(e => e.SomeId) in its map: every call needs a person (_p).");
        }

        foreach (var trigger in builder.Triggers)
        {
            foreach (var call in trigger.Calls)
            {
                CheckCall(entity, trigger.Describe(), call, errors);
            }
        }

        foreach (var member in KissMapMembers.ChangeMembers(builder))
        {
            if (member.MemberName is null)
            {
                errors.Add($"Entity '{entity}': watched member {member.Text} must be a plain member access of the entity, like e => e.Email or e => e.Address.City.");
            }
        }

        return errors.Count == before;
    }

    private static void CheckCall<TEntity>(string entity, string trigger, KissCallTemplate<TEntity> call, List<string> errors)
        where TEntity : class
    {
        var where = call.Kind == KissCallKind.Event
            ? $"{trigger}.Record(\"{call.EventName}\")"
            : $"{trigger}.Set(...)";
        if (call.Kind == KissCallKind.Event && KissNameRules.CheckName(call.EventName) is { } eventRule)
        {
            errors.Add($"Entity '{entity}', {where}: event name \"{call.EventName}\" is invalid: {eventRule}.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in call.Properties)
        {
            if (KissNameRules.CheckName(property.Name) is { } rule)
            {
                errors.Add($"Entity '{entity}', {where}: property name \"{property.Name}\" ({property.Value.Text}) is invalid: {rule}.");
            }
            else if (!seen.Add(property.Name))
            {
                errors.Add($"Entity '{entity}', {where}: property \"{property.Name}\" appears twice in one call (names are case-insensitive on the server).");
            }

            if (property.Original && property.Value.MemberName is null)
            {
                errors.Add($"Entity '{entity}', {where}: WithOriginal(\"{property.Name}\", {property.Value.Text}) must name a member of the entity, like e => e.Plan or e => e.Address.City.");
            }
        }
    }
}
