namespace KissEf;

/// <summary>
/// Who may be tracked at all (register one with <see cref="KissTrackingBuilder.UseConsent{TConsent}"/>): KissEf asks it
/// about the person of every call it builds, before the call is written anywhere, and drops every call of a person it
/// refuses. Resolved per save from the saving context's application services (the request's scope with
/// <c>AddDbContext</c>, so a scoped service may read the request's user; the root provider with pooled contexts).
/// </summary>
public interface IKissConsent
{
    /// <summary>
    /// Whether KissEf may send calls about <paramref name="person"/> (an event's or a property set's <c>_p</c>, either
    /// side of an alias). Asked at most once per person in a save (a chunk of a backfill or of a tracked bulk
    /// operation). An exception costs every call of that save, never the save.
    /// </summary>
    /// <param name="person">The identity, as it would be sent.</param>
    /// <returns>True to track the person; false to drop their calls.</returns>
    bool MayTrack(string person);
}
