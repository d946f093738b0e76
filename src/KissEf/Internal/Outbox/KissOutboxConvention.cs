using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Migrations;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Adds the outbox entity to the user's model, so <c>EnsureCreated</c> and <c>dotnet ef migrations add</c> pick the
/// table up with no user code. Its EF type name, <c>KissEf.Outbox.KissOutboxMessage</c>, is recorded in users' model
/// snapshots: the class never moves.
/// </summary>
/// <remarks>
/// It runs first when the model is finalized, that is after <c>OnModelCreating</c>: the application's code that walks
/// every entity type there never sees this one, and EF's own finalizing conventions still treat it as one of the
/// user's. EF builds other models with the context's conventions, for its own services: the migrations history
/// table's (with the outbox there, <c>Database.Migrate()</c> created the table with the history table, then failed on
/// the migration that creates it) and the ad-hoc one of <c>SqlQuery</c> on an unmapped type. Those get nothing. The
/// application's conventions that run after this one and change every entity type reach the outbox entity too:
/// <see cref="KissOutboxGuard"/>, last of all, takes off what they added.
/// </remarks>
internal sealed class KissOutboxConvention(string table, string? schema) : IModelFinalizingConvention
{
    // EF's name (CoreAnnotationNames.AdHocModel, internal) for the annotation of the models its AdHocMapper builds.
    private const string AdHocModel = "AdHocModel";

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        if (IsEfsOwn(modelBuilder.Metadata))
        {
            return;
        }

        // Added as if by an attribute: EF's clean-up removes convention-added types no configured type reaches, and
        // the table name set so wins over the application's conventions that rename every table.
        modelBuilder.Entity(typeof(KissOutboxMessage), fromDataAnnotation: true)?.ToTable(table, schema, fromDataAnnotation: true);
    }

    /// <summary>Whether EF builds <paramref name="model"/> for a service of its own, not as the context's model.</summary>
    private static bool IsEfsOwn(IReadOnlyModel model)
        => model.FindEntityType(typeof(HistoryRow)) is not null
           || model.FindAnnotation(AdHocModel) is not null;
}
