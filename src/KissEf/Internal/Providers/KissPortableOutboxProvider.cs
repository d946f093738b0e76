using KissEf.Internal.Outbox;

namespace KissEf.Internal.Providers;

/// <summary>
/// A relational provider KissEf has no code of its own for: the portable claim (safe across instances; their claims
/// may wait on each other's row locks), and other instances' commits seen at the next poll. Said once per context
/// type (log 2008).
/// </summary>
internal sealed class KissPortableOutboxProvider : KissOutboxProvider
{
    public static readonly KissPortableOutboxProvider Instance = new();

    private KissPortableOutboxProvider()
    {
    }

    public override string? ProviderName => null;
}
