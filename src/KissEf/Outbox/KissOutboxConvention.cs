using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace KissEf.Outbox;

/// <summary>
/// Adds the outbox entity to the user's model before <c>OnModelCreating</c>, so <c>EnsureCreated</c> and
/// <c>dotnet ef migrations add</c> pick the table up with no user code.
/// </summary>
internal sealed class KissOutboxConvention(string table, string? schema) : IModelInitializedConvention
{
    public void ProcessModelInitialized(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        // Added as if by an attribute: EF's clean-up removes convention-added types no configured type reaches.
        modelBuilder.Entity(typeof(KissOutboxMessage), fromDataAnnotation: true)?.ToTable(table, schema, fromDataAnnotation: true);
    }
}
