namespace KissEf.Internal.Model;

/// <summary>The CLR types whose values have text of their own in the formatting table (docs/values-and-validation.md, "How each value is sent").</summary>
internal static class KissTextTypes
{
    /// <summary>
    /// True for strings, numbers, booleans, dates and times, GUIDs and enums (and their nullable forms): a value
    /// converter on such a member does not change how it is sent. Any other type (a strongly typed id, a value
    /// object) is sent as the value the database holds.
    /// </summary>
    public static bool HasOwnText(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(TimeSpan) || type == typeof(Guid);
    }
}
