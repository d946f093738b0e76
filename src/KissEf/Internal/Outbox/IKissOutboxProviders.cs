using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Chooses a context's <see cref="KissOutboxProvider"/> from its EF provider name. Declared here so that the outbox
/// needs no provider's code; implemented in <c>Internal/Providers/</c> and registered by the composition root.
/// </summary>
internal interface IKissOutboxProviders
{
    KissOutboxProvider For(DbContext db);
}
