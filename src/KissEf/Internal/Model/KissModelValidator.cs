using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>
/// Checks a compiled map against an EF model: every watched member must be a property EF maps, of the entity, of an
/// owned type or of a complex type, and a member sent as it was (or aliased) must end at one property.
/// </summary>
internal static class KissModelValidator
{
    /// <summary>What is wrong with <paramref name="map"/> in <paramref name="model"/>, one message per member and EF type.</summary>
    public static IEnumerable<string> Validate(KissEntityMap map, IModel model)
    {
        var slots = map.Slots;
        foreach (var entityType in model.GetEntityTypes().Where(t => !t.IsOwned() && map.EntityType.IsAssignableFrom(t.ClrType)))
        {
            var bound = map.Bind(entityType);
            for (var slot = 0; slot < Math.Min(slots.Length, KissEntityMap.MaxWatched); slot++)
            {
                if ((map.WatchedMask & (1UL << slot)) == 0)
                {
                    continue;
                }

                if (bound.Paths[slot] is not { } path)
                {
                    yield return $"Entity '{map.EntityName}': watched member '{slots[slot]}' is not a mapped property of the EF entity type '{entityType.DisplayName()}' " +
                        "(a watched member must be a property EF maps: of the entity, of an owned type or of a complex type).";
                }
                else if (path.OtherEntityNavigation is { } navigation)
                {
                    yield return $"Entity '{map.EntityName}': watched member '{slots[slot]}' goes through the navigation '{navigation}' of the EF entity type '{entityType.DisplayName()}' to another entity " +
                        "(a watched member must be a property of the entity, of an owned type or of a complex type; track the other entity with a map of its own).";
                }
                else if ((map.ScalarMask & (1UL << slot)) != 0 && !path.IsScalar)
                {
                    yield return $"Entity '{map.EntityName}': member '{slots[slot]}' of the EF entity type '{entityType.DisplayName()}' is an owned entity, a complex value or a navigation; " +
                        "WithOriginal and the alias verbs need one of its properties, like e => e.Address.City.";
                }
            }
        }
    }
}
