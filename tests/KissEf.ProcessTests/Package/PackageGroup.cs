namespace KissEf.Tests.Package;

/// <summary>
/// The tests that build throw-away apps from the packed packages: they share one pack (<see cref="PackedFeed"/>, given
/// to their constructors) and run one after another, because each restore and build takes the machine's cores (CI
/// has two).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackageGroup : ICollectionFixture<PackedFeed>
{
    public const string Name = "Package";
}
