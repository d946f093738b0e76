using System.Linq.Expressions;
using KissEf.Internal.Calls;
using KissEf.Internal.Model;

namespace KissEf;

/// <summary>Builds what one kind of change records: events, property sets, and an optional filter.</summary>
/// <typeparam name="TEntity">The entity type being tracked.</typeparam>
public sealed class KissTriggerBuilder<TEntity>
    where TEntity : class
{
    private readonly KissTrigger<TEntity> _trigger;

    internal KissTriggerBuilder(KissTrigger<TEntity> trigger) => _trigger = trigger;

    /// <summary>
    /// Produces the calls only when <paramref name="predicate"/> holds for the entity object. The filter is a plain
    /// delegate run on the object as the application holds it when the calls are built, not on the values as saved
    /// that <c>With</c> and <c>Set</c> read from EF's entry: a value the database generates (an identity key, a default)
    /// may not be on the object yet (with the outbox, an <c>int</c> key still reads 0), and a deleted entity's object
    /// keeps what the application last set on it. Filter on values the application sets. Calling it again replaces
    /// the filter.
    /// </summary>
    /// <param name="predicate">The filter, evaluated on the entity object.</param>
    /// <returns>This builder.</returns>
    public KissTriggerBuilder<TEntity> When(Func<TEntity, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        _trigger.Filter = predicate;
        return this;
    }

    /// <summary>
    /// Takes the person (<c>_p</c>) of this trigger's events and property sets from an application service
    /// instead of the entity's identity: the acting user, for example. The service is resolved when the save runs,
    /// from the DbContext's application service provider (the scope the context was created in). A null or empty
    /// result, or a service that is not registered, costs the call (warning 1001), never the save. Aliases keep
    /// their own sides.
    /// </summary>
    /// <typeparam name="TService">The service, for example an <c>ICurrentUser</c> of the application.</typeparam>
    /// <param name="person">Reads the person from the service, for example <c>user =&gt; user.Email</c>.</param>
    /// <returns>This builder.</returns>
    public KissTriggerBuilder<TEntity> IdentifiedBy<TService>(Func<TService, string?> person)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(person);
        _trigger.Person = new KissServicePerson(typeof(TService), service => person((TService)service));
        return this;
    }

    /// <summary>Records the event <paramref name="eventName"/> (<c>/e</c>).</summary>
    /// <param name="eventName">The event name: not empty, at most 255 characters, no leading '_', no ',' or ':'.</param>
    /// <returns>A builder for the event's properties and time.</returns>
    public KissEventBuilder<TEntity> Record(string eventName)
    {
        var call = new KissCallTemplate<TEntity>(KissCallKind.Event, eventName);
        _trigger.Calls.Add(call);
        return new KissEventBuilder<TEntity>(call);
    }

    /// <summary>Sets a property of the person (<c>/s</c>); chain <c>Set</c> to put more properties in the same call.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value, for example <c>c =&gt; c.Country</c>; a null value is left out.</param>
    /// <returns>A builder for more properties of the same call.</returns>
    public KissPropertySetBuilder<TEntity> Set(string name, Expression<Func<TEntity, object?>> value)
    {
        var call = new KissCallTemplate<TEntity>(KissCallKind.Set, null);
        _trigger.Calls.Add(call);
        return new KissPropertySetBuilder<TEntity>(call).Set(name, value);
    }
}
