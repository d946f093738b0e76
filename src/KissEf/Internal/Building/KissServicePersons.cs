using KissEf.Internal.Model;
using KissEf.Internal.Protocol;

namespace KissEf.Internal.Building;

/// <summary>The person of <c>IdentifiedBy&lt;TService&gt;</c>, from the context's application services.</summary>
internal static class KissServicePersons
{
    /// <summary>
    /// The person read from the resolved service, or the rule that costs the calls: a service that cannot be
    /// resolved or is not registered, or a person that is not a valid identity. Never the save.
    /// </summary>
    public static (string? Person, string? Rule) Read(KissServicePerson source, string label, KissCallSink sink)
    {
        var name = source.ServiceType.Name;
        object? service;
        try
        {
            service = sink.ApplicationServices?.GetService(source.ServiceType);
        }
        catch (InvalidOperationException exception)
        {
            return (null, $"the service {name} of IdentifiedBy<{name}> could not be resolved from the context's application services ({exception.GetType().Name})");
        }

        if (service is null)
        {
            return (null, $"the service {name} of IdentifiedBy<{name}> is not registered in the context's application services");
        }

        sink.Step = label;
        sink.Expression = $"of IdentifiedBy<{name}>";
        var person = source.Read(service);
        return KissValueFormatter.FormatIdentity(person, out var text) is { } rule ? (null, $"{rule} (IdentifiedBy<{name}>)") : (text, null);
    }
}
