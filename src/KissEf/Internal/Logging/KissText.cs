namespace KissEf.Internal.Logging;

/// <summary>Puts texts KissEf does not write (a provider's or the network's error) inside its own sentences.</summary>
internal static class KissText
{
    /// <summary>
    /// <paramref name="text"/> as a clause: its first line, without the full stop it may end with, so that a sentence
    /// that quotes it ends once: <c>(SQLite Error 1: 'no such table: kiss_outbox').</c>, not <c>(… kiss_outbox'.).</c>.
    /// </summary>
    public static string Clause(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.AsSpan();
        if (line.IndexOfAny('\r', '\n') is >= 0 and var end)
        {
            line = line[..end];
        }

        return line.Trim().TrimEnd(". ").ToString();
    }
}
