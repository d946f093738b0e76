using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Commands;

/// <summary>What <c>kissef backfill &lt;Entity&gt; [--context NAME]</c> backfills: an entity type of one context type.</summary>
internal sealed record KissBackfillTarget(Type ContextType, IEntityType EntityType);
