using System.Linq.Expressions;
using KissEf.Internal.Model;

namespace KissEf;

/// <summary>Builds the properties and time of one recorded event.</summary>
/// <typeparam name="TEntity">The entity type being tracked.</typeparam>
public sealed class KissEventBuilder<TEntity>
    where TEntity : class
{
    private readonly KissCallTemplate<TEntity> _call;

    internal KissEventBuilder(KissCallTemplate<TEntity> call) => _call = call;

    /// <summary>Adds a property with the value as saved; a null value is left out.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value, for example <c>c =&gt; c.Plan</c>.</param>
    /// <returns>This builder.</returns>
    public KissEventBuilder<TEntity> With(string name, Expression<Func<TEntity, object?>> value)
    {
        _call.Properties.Add(new KissNamedValue<TEntity>(name, KissValue<TEntity>.From(value), Original: false));
        return this;
    }

    /// <summary>Adds a property with the value the member had before the change (a mapped property).</summary>
    /// <param name="name">The property name.</param>
    /// <param name="member">A mapped property of the entity, for example <c>c =&gt; c.Plan</c>.</param>
    /// <returns>This builder.</returns>
    public KissEventBuilder<TEntity> WithOriginal(string name, Expression<Func<TEntity, object?>> member)
    {
        _call.Properties.Add(new KissNamedValue<TEntity>(name, KissValue<TEntity>.From(member), Original: true));
        return this;
    }

    /// <summary>Dates the event by the entity instead of the time of the save.</summary>
    /// <param name="time">The event time; one before 2009 is refused at save time and logged.</param>
    /// <returns>This builder.</returns>
    public KissEventBuilder<TEntity> At(Expression<Func<TEntity, DateTimeOffset>> time)
    {
        _call.Time = KissValue<TEntity>.From(time);
        return this;
    }
}
