using KissEf.Internal.Model;
using KissEf.Internal.Protocol;

namespace KissEf.Internal.Building;

/// <summary>
/// Persons read from an application service of the context (<c>IdentifiedBy&lt;TService&gt;</c>, and
/// <c>HasIdentity&lt;TService&gt;</c> with the entity): both resolve the service the same way, from the context's
/// application services, and break the same rules.
/// </summary>
internal static class KissServicePersons
{
    /// <summary>
    /// The person read from the resolved service, or the rule that costs the calls: a service that cannot be
    /// resolved or is not registered, or a person that is not a valid identity. Never the save.
    /// </summary>
    public static (string? Person, string? Rule) Read(KissServicePerson source, string label, KissCallSink sink)
    {
        // Set first: a service's factory that throws is reported (error 1003) as this trigger's.
        var name = source.ServiceType.Name;
        sink.Step = label;
        sink.Expression = $"of IdentifiedBy<{name}>";
        if (Resolve(source.ServiceType, "IdentifiedBy", sink, out var service) is { } unresolved)
        {
            return (null, unresolved);
        }

        var person = source.Read(service!);
        return KissValueFormatter.FormatIdentity(person, out var text) is { } rule ? (null, $"{rule} (IdentifiedBy<{name}>)") : (text, null);
    }

    /// <summary>
    /// The person of <c>HasIdentity&lt;TService&gt;</c>: <paramref name="identity"/> read from the entity and the
    /// resolved service, or the rule that costs the calls, naming the service and the identity expression.
    /// </summary>
    public static (string? Person, string? Rule) ReadIdentity<TEntity>(
        KissValue<TEntity> identity,
        TEntity entity,
        KissSlotValues values,
        string label,
        KissCallSink sink)
        where TEntity : class
    {
        sink.Step = label;
        sink.Expression = identity.Text;
        if (Resolve(identity.ServiceType!, "HasIdentity", sink, out var service) is { } unresolved)
        {
            return (null, $"{unresolved} (identity {identity.Text})");
        }

        var person = values.ForText(identity.Slot, identity.ReadWithService(entity, service!, values));
        return KissValueFormatter.FormatIdentity(person, out var text) is { } rule ? (null, $"{rule} (identity {identity.Text})") : (text, null);
    }

    /// <summary>
    /// Resolves <paramref name="serviceType"/> from the context's application services (the scope it was created in;
    /// a backfill's: its query's context's), or says why it cannot (the consent service of <c>UseConsent</c> is resolved here too): the service is not registered, or resolving it
    /// threw (a scoped service from a root provider that validates scopes, say). The rule names the service and the
    /// verb (<paramref name="verb"/><c>&lt;TService&gt;</c>); its text is built only when it is broken.
    /// </summary>
    public static string? Resolve(Type serviceType, string verb, KissCallSink sink, out object? service)
    {
        try
        {
            service = sink.ApplicationServices?.GetService(serviceType);
        }
        catch (InvalidOperationException exception)
        {
            service = null;
            return $"the service {serviceType.Name} of {verb}<{serviceType.Name}> could not be resolved from the context's application services ({exception.GetType().Name})";
        }

        return service is null ? $"the service {serviceType.Name} of {verb}<{serviceType.Name}> is not registered in the context's application services" : null;
    }
}
