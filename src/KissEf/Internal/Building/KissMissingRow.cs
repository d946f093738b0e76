using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Building;

/// <summary>A row a change's calls read through a reference navigation the application did not load.</summary>
/// <param name="Navigation">The navigation, on the dependent's side (its foreign key is on the entity that has it).</param>
/// <param name="Key">The foreign key value: the principal key of the row to load.</param>
/// <param name="Include">The navigations the path goes on through from that row (dotted), to load with it; or null.</param>
internal sealed record KissMissingRow(INavigation Navigation, object Key, string? Include);
