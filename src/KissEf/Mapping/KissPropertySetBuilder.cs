using System.Linq.Expressions;
using KissEf.Internal.Model;

namespace KissEf;

/// <summary>Builds the properties and time of one property-set call.</summary>
/// <typeparam name="TEntity">The entity type being tracked.</typeparam>
public sealed class KissPropertySetBuilder<TEntity>
    where TEntity : class
{
    private readonly KissCallTemplate<TEntity> _call;

    internal KissPropertySetBuilder(KissCallTemplate<TEntity> call) => _call = call;

    /// <summary>Adds a property to the same call; a null value is left out, and a call left with none is not sent.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value, for example <c>c =&gt; c.Region</c>.</param>
    /// <returns>This builder.</returns>
    public KissPropertySetBuilder<TEntity> Set(string name, Expression<Func<TEntity, object?>> value)
    {
        _call.Properties.Add(new KissNamedValue<TEntity>(name, KissValue<TEntity>.From(value), Original: false));
        return this;
    }

    /// <summary>Dates the property set by the entity instead of the time of the save.</summary>
    /// <param name="time">The time; one before 2009 is refused at save time and logged.</param>
    /// <returns>This builder.</returns>
    public KissPropertySetBuilder<TEntity> At(Expression<Func<TEntity, DateTimeOffset>> time)
    {
        _call.Time = KissValue<TEntity>.From(time);
        return this;
    }
}
