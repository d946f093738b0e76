namespace KissEf.Internal.Model;

/// <summary>A person read from an application service when the save runs (<c>IdentifiedBy&lt;TService&gt;</c>).</summary>
/// <param name="ServiceType">The service to resolve from the context's application service provider.</param>
/// <param name="Read">Reads the person from the resolved service.</param>
internal sealed record KissServicePerson(Type ServiceType, Func<object, string?> Read);
