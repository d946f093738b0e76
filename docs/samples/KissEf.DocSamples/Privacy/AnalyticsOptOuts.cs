using System.Collections.Concurrent;

namespace Shop.Privacy;

/// <summary>An in-memory <see cref="IAnalyticsOptOuts"/>, for the sample: an application reads its own table into it.</summary>
public sealed class AnalyticsOptOuts : IAnalyticsOptOuts
{
    private readonly ConcurrentDictionary<string, bool> _optedOut = new(StringComparer.OrdinalIgnoreCase);

    public void OptOut(string person) => _optedOut[person] = true;

    public bool HasOptedOut(string person) => _optedOut.ContainsKey(person);
}
