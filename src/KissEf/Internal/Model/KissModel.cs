using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>Every compiled map of one <c>AddKissTracking</c>, built and validated once.</summary>
internal sealed class KissModel
{
    private readonly FrozenDictionary<Type, KissEntityMap> _byType;
    private readonly ConcurrentDictionary<Type, KissEntityMap?> _resolved = new();
    private readonly ConcurrentDictionary<IModel, bool> _validatedModels = new(ReferenceEqualityComparer.Instance);

    public KissModel(IReadOnlyList<KissEntityMap> maps)
    {
        Maps = maps;
        _byType = maps.ToFrozenDictionary(m => m.EntityType);
    }

    public IReadOnlyList<KissEntityMap> Maps { get; }

    /// <summary>The map that applies to <paramref name="clrType"/>: its own, or its nearest mapped base type's.</summary>
    public KissEntityMap? FindMap(Type clrType)
    {
        if (_byType.TryGetValue(clrType, out var map))
        {
            return map;
        }

        return _resolved.GetOrAdd(clrType, static (type, self) =>
        {
            for (var t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (self._byType.TryGetValue(t, out var baseMap))
                {
                    return baseMap;
                }
            }

            return null;
        }, this);
    }

    /// <summary>
    /// Checks the maps against an EF model the first time it is seen, and throws when a watched member is not a
    /// mapped property: the host's start-up does this for every registered context.
    /// </summary>
    public void EnsureValid(IModel model)
    {
        if (_validatedModels.ContainsKey(model))
        {
            return;
        }

        var errors = Maps.SelectMany(m => KissModelValidator.Validate(m, model)).ToList();
        if (errors.Count > 0)
        {
            throw new KissMappingException(
                "KissEf tracking maps do not fit the EF model:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        _validatedModels.TryAdd(model, true);
    }
}
