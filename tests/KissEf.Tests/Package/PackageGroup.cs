namespace KissEf.Tests.Package;

/// <summary>
/// The tests that build throw-away apps from the packed packages (<see cref="PackedFeed"/>) run one after another:
/// each restore and build takes the machine's cores, and CI has two.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackageGroup
{
    public const string Name = "Package";
}
