using System.Text;

namespace KissEf.Internal.Calls;

/// <summary>
/// Which calls of an outbox row are about a person, and the row without them: an event or a property set whose
/// <c>_p</c> is the person, an alias that names the person on either side (<c>_p</c> or <c>_n</c>). Identities are
/// compared as the vendor compares them, ignoring case. Used by <c>IKissOutbox.ForgetAsync</c>; the row's header (the
/// trace, the tenant) is kept for the calls that stay.
/// </summary>
internal static class KissPersonCalls
{
    /// <summary>Whether the call <paramref name="line"/> is about <paramref name="person"/>.</summary>
    public static bool Names(ReadOnlySpan<char> line, string person)
    {
        var call = new KissCallReader(line);
        if (Same(call, KissCallLine.Person, person))
        {
            return true;
        }

        return call.Kind == KissCallKind.Alias && Same(call, KissCallLine.Name, person);
    }

    /// <summary>How many calls of <paramref name="row"/> are about <paramref name="person"/>.</summary>
    public static int Count(string row, string person)
    {
        var count = 0;
        foreach (var line in new KissOutboxRowReader(row))
        {
            if (Names(line, person))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// <paramref name="row"/> without the calls about <paramref name="person"/>: its text and how many calls it keeps
    /// (0: nothing is left to send, delete the row).
    /// </summary>
    public static (string Row, int Count) Without(string row, string person)
    {
        var reader = new KissOutboxRowReader(row);
        var writer = KissOutboxRowWriter.Start(new StringBuilder(row.Length), reader.Header);
        foreach (var line in reader)
        {
            if (!Names(line, person))
            {
                writer.Line(line);
            }
        }

        return (writer.ToString(), writer.Count);
    }

    private static bool Same(KissCallReader call, string parameter, string person)
    {
        if (!call.TryGet(parameter, out var escaped))
        {
            return false;
        }

        // Decoded on the stack for a short identity: a page of rows is read call by call.
        var decoded = escaped.Length <= 256 ? stackalloc char[escaped.Length] : new char[escaped.Length];
        var length = KissCallReader.Unescape(escaped, decoded);
        return decoded[..length].Equals(person, StringComparison.OrdinalIgnoreCase);
    }
}
