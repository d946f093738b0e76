using Microsoft.CodeAnalysis;

namespace KissEf.Analyzers;

/// <summary>
/// KissEf's public map types as the compilation sees them, resolved once per compilation. Null when the compilation
/// does not reference KissEf: the analyzers then register nothing and cost nothing.
/// </summary>
internal sealed class KissSymbols
{
    private KissSymbols(Compilation compilation, INamedTypeSymbol entityBuilder)
    {
        EntityBuilder = entityBuilder;
        TriggerBuilder = compilation.GetTypeByMetadataName("KissEf.KissTriggerBuilder`1");
        EventBuilder = compilation.GetTypeByMetadataName("KissEf.KissEventBuilder`1");
        PropertySetBuilder = compilation.GetTypeByMetadataName("KissEf.KissPropertySetBuilder`1");
        Configuration = compilation.GetTypeByMetadataName("KissEf.IKissEntityTypeConfiguration`1");
        TrackingBuilder = compilation.GetTypeByMetadataName("KissEf.KissTrackingBuilder");
    }

    /// <summary><c>KissEntityTypeBuilder&lt;T&gt;</c>: OnChanged, AliasOnChange, Alias.</summary>
    public INamedTypeSymbol EntityBuilder { get; }

    /// <summary><c>KissTriggerBuilder&lt;T&gt;</c>: Record, Set (the start of a call).</summary>
    public INamedTypeSymbol? TriggerBuilder { get; }

    /// <summary><c>KissEventBuilder&lt;T&gt;</c>: With, WithOriginal, At.</summary>
    public INamedTypeSymbol? EventBuilder { get; }

    /// <summary><c>KissPropertySetBuilder&lt;T&gt;</c>: Set, At.</summary>
    public INamedTypeSymbol? PropertySetBuilder { get; }

    /// <summary><c>IKissEntityTypeConfiguration&lt;T&gt;</c>: a map class.</summary>
    public INamedTypeSymbol? Configuration { get; }

    /// <summary><c>KissTrackingBuilder</c>: its <c>Entity&lt;T&gt;(…)</c> is an inline map.</summary>
    public INamedTypeSymbol? TrackingBuilder { get; }

    /// <summary>The symbols of <paramref name="compilation"/>, or null when it does not reference KissEf.</summary>
    public static KissSymbols? From(Compilation compilation)
        => compilation.GetTypeByMetadataName("KissEf.KissEntityTypeBuilder`1") is { } entityBuilder
            ? new KissSymbols(compilation, entityBuilder)
            : null;

    /// <summary>True when <paramref name="method"/> is declared by <paramref name="type"/> (any of its constructions).</summary>
    public static bool Declares(INamedTypeSymbol? type, IMethodSymbol method)
        => type is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type);
}
