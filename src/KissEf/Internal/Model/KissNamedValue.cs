using KissEf.Internal.Calls;

namespace KissEf.Internal.Model;

/// <summary>A property of a call: its name and where its value comes from.</summary>
/// <param name="Name">The property name as sent.</param>
/// <param name="Value">The value's source.</param>
/// <param name="Original">True to send the value from before the change (<c>WithOriginal</c>).</param>
internal sealed record KissNamedValue<TEntity>(string Name, KissValue<TEntity> Value, bool Original)
    where TEntity : class
{
    /// <summary><see cref="Name"/> as it goes on the wire, escaped once when the map is built.</summary>
    public string EscapedName { get; } = KissCallWriter.Escape(Name);
}
