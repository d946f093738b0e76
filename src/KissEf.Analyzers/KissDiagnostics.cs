using Microsoft.CodeAnalysis;

namespace KissEf.Analyzers;

/// <summary>
/// The three diagnostics of KissEf's analyzer, in one place so that the analyzers, the code fix and the release
/// tracking files (AnalyzerReleases.*.md) agree on ids, titles and severities.
/// </summary>
internal static class KissDiagnostics
{
    /// <summary>The category of every KissEf diagnostic (what <c>[SuppressMessage("KissEf", "KISS001")]</c> names).</summary>
    public const string Category = "KissEf";

    /// <summary>The diagnostic property that holds the tracked method a KISS001 call should use (read by the code fix).</summary>
    public const string TrackedMethodProperty = "TrackedMethod";

    /// <summary>KISS001: a bulk operation that bypasses SaveChanges on an entity type KissEf maps.</summary>
    public static readonly DiagnosticDescriptor UntrackedBulkOperation = new(
        "KISS001",
        "Untracked bulk operation on a mapped entity",
        "{0} on '{1}' makes no KissEf call, but '{1}' has a KissEf map: use {2}, which makes the calls its maps would make had each affected row been saved",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "ExecuteUpdate and ExecuteDelete run one SQL statement without SaveChanges, so KissEf sees no change. The tracked forms make the calls the entity's maps would make had each affected row been saved.");

    /// <summary>KISS002: a watched member that is not a plain member path (the start-up check refuses it too).</summary>
    public static readonly DiagnosticDescriptor WatchedMemberNotPath = new(
        "KISS002",
        "Watched member is not a plain member path",
        "Watched member {0} must be a plain member access of the entity, like e => e.Email or e => e.Address.City, not {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "OnChanged, WithOriginal, AliasOnChange and Alias compare or send a member as it was before the save: only a chain of properties or fields of the entity has such a value. KissEf refuses any other expression at start-up.");

    /// <summary>KISS003: a constant event or property name the vendor refuses (the start-up check refuses it too).</summary>
    public static readonly DiagnosticDescriptor InvalidName = new(
        "KISS003",
        "Event or property name the vendor refuses",
        "{0}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "KISSmetrics refuses names that start with '_' or are longer than 255 characters, turns ',' and ':' into spaces, and compares property names case-insensitively. KissEf refuses such a map at start-up.");
}
