using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// What the multi-tenant test applications do to every entity type, as fullstackhero's <c>BaseDbContext</c> and
/// Finbuckle's <c>IsMultiTenant()</c> do: a required shadow <see cref="Column"/>, an index on it, a marker annotation,
/// and a named query filter that compares it with the tenant of the querying context, which throws
/// (<see cref="NullReferenceException"/>) when the context has none.
/// </summary>
public static class TenantModel
{
    public const string Column = "TenantId";

    public const string Filter = "Tenant";

    public const string Annotation = "Tenancy:MultiTenant";

    /// <summary><c>e =&gt; EF.Property&lt;string&gt;(e, "TenantId") == context.TenantInfo.Id</c>, for any entity type.</summary>
    public static LambdaExpression TenantFilter(Type clrType)
    {
        var entity = Expression.Parameter(clrType, "e");

        // A typed null constant of the context type: EF replaces every expression of the context's type in a query
        // filter with the context that runs the query (as it does with 'this' in a filter written in OnModelCreating).
        var context = Expression.Constant(null, typeof(TenantAppContext));
        var tenantId = Expression.Property(Expression.Property(context, nameof(TenantAppContext.TenantInfo)), nameof(TenantInfo.Id));
        var column = Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], entity, Expression.Constant(Column));
        return Expression.Lambda(Expression.Equal(column, tenantId), entity);
    }

    /// <summary>Makes <paramref name="entityType"/> multi-tenant through a convention's builder.</summary>
    public static void MakeMultiTenant(IConventionEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        entityType.Builder.Property(typeof(string), Column)!.IsRequired(true)!.HasMaxLength(64);
        entityType.Builder.HasIndex([Column]);
        entityType.Builder.HasAnnotation(Annotation, true);
        entityType.SetQueryFilter(Filter, TenantFilter(entityType.ClrType));
    }

    /// <summary>Makes <paramref name="entityType"/> multi-tenant through the model builder, as a loop in OnModelCreating does.</summary>
    public static void MakeMultiTenant(ModelBuilder modelBuilder, IMutableEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(entityType);
        var entity = modelBuilder.Entity(entityType.ClrType);
        entity.Property<string>(Column).IsRequired().HasMaxLength(64);
        entity.HasIndex(Column);
        entity.HasAnnotation(Annotation, true);
        entity.HasQueryFilter(Filter, TenantFilter(entityType.ClrType));
    }
}

/// <summary>
/// An application convention, added in <c>ConfigureConventions</c>, that makes every entity type multi-tenant when the
/// model is finalized (so it sees every entity type, however it was added).
/// </summary>
public sealed class MultiTenantConvention : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().Where(t => !t.IsOwned() && t.FindPrimaryKey() is not null).ToList())
        {
            TenantModel.MakeMultiTenant(entityType);
        }
    }
}

/// <summary>
/// An application convention, added in <c>ConfigureConventions</c>, that makes every entity type soft-deletable and
/// audited as soon as it is added: a required shadow <c>IsDeleted</c> with an anonymous query filter, a required shadow
/// <c>CreatedBy</c>, and every property named <c>CreatedAt</c> a time stamp column.
/// </summary>
public sealed class SoftDeleteAuditConvention : IEntityTypeAddedConvention, IModelFinalizingConvention
{
    public const string Deleted = "IsDeleted";

    public const string CreatedBy = "CreatedBy";

    public void ProcessEntityTypeAdded(IConventionEntityTypeBuilder entityTypeBuilder, IConventionContext<IConventionEntityTypeBuilder> context)
    {
        ArgumentNullException.ThrowIfNull(entityTypeBuilder);
        entityTypeBuilder.Property(typeof(bool), Deleted)!.IsRequired(true);
        entityTypeBuilder.Property(typeof(string), CreatedBy)!.IsRequired(true);
        var entity = Expression.Parameter(entityTypeBuilder.Metadata.ClrType, "e");
        var deleted = Expression.Call(typeof(EF), nameof(EF.Property), [typeof(bool)], entity, Expression.Constant(Deleted));
        entityTypeBuilder.Metadata.SetQueryFilter(Expression.Lambda(Expression.Not(deleted), entity));
    }

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        foreach (var property in modelBuilder.Metadata.GetEntityTypes().SelectMany(t => t.GetDeclaredProperties()).Where(p => p.Name == "CreatedAt"))
        {
            property.Builder.HasColumnType("timestamp with time zone");
        }
    }
}
