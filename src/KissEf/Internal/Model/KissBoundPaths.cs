using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>A map's member paths resolved against one EF entity type.</summary>
/// <param name="Paths">By slot: the resolved path, or null where EF does not map it.</param>
/// <param name="HasOwned">True when the type owns other entity types (so its owner-side changes need a look).</param>
internal sealed record KissBoundPaths(KissMemberPath?[] Paths, bool HasOwned)
{
    /// <summary>True when a path reads another row through a navigation (<see cref="KissMemberPath.ReachesOtherRow"/>).</summary>
    public bool ReadsOtherRows { get; } = Paths.Any(p => p is { ReachesOtherRow: true });

    /// <summary>Resolves every slot of a map against <paramref name="type"/>.</summary>
    public static KissBoundPaths Resolve(IEntityType type, string[] slots)
        => new(
            [.. slots.Select(path => KissMemberPath.Resolve(type, path))],
            type.GetNavigations().Any(n => n.ForeignKey.IsOwnership && !n.IsOnDependent));
}
