namespace KissEf;

/// <summary>
/// A tracking map is broken: it has no identity, a name the vendor refuses, a repeated property, or a watched
/// member that is not a mapped property of the entity. Raised at start-up, never at a save with good maps.
/// </summary>
public sealed class KissMappingException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public KissMappingException()
    {
    }

    /// <summary>Creates the exception with a message that names the entity, the member and the rule.</summary>
    public KissMappingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public KissMappingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
