namespace KissEf;

/// <summary>
/// Describes which changes of <typeparamref name="TEntity"/> become KISSmetrics calls, the way
/// <c>IEntityTypeConfiguration&lt;TEntity&gt;</c> describes its mapping to a table.
/// </summary>
/// <typeparam name="TEntity">The entity type being tracked.</typeparam>
public interface IKissEntityTypeConfiguration<TEntity>
    where TEntity : class
{
    /// <summary>Configures the tracking of <typeparamref name="TEntity"/>.</summary>
    /// <param name="builder">The builder for the entity's tracking map.</param>
    void Configure(KissEntityTypeBuilder<TEntity> builder);
}
