using System.Collections.Concurrent;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Privacy;

/// <summary>The acting user of a scope, as an ASP.NET Core request would set it: who they are and whether they accepted tracking.</summary>
public sealed class CurrentUser
{
    public string? Email { get; set; }

    public bool AcceptedTracking { get; set; }
}

/// <summary>What the consent tests' application knows about other persons (a table of refusals), and what it was asked.</summary>
public sealed class ConsentStore
{
    private readonly ConcurrentDictionary<string, int> _asked = new(StringComparer.Ordinal);

    /// <summary>Persons who refused tracking.</summary>
    public HashSet<string> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, the consent service throws: its store is unreachable.</summary>
    public bool Broken { get; set; }

    /// <summary>When set, the consent service throws when asked about this person (after answering for others).</summary>
    public string? BreaksAt { get; set; }

    /// <summary>How many times the consent service was asked about <paramref name="person"/>.</summary>
    public int AskedAbout(string person) => _asked.GetValueOrDefault(person);

    public void Ask(string person) => _asked.AddOrUpdate(person, 1, (_, n) => n + 1);
}

/// <summary>
/// The consent service of the tests, scoped: the acting user's own choice for the acting user (read from the scope's
/// <see cref="CurrentUser"/>), the store's for everyone else.
/// </summary>
public sealed class ShopConsent(CurrentUser user, ConsentStore store) : IKissConsent
{
    public bool MayTrack(string person)
    {
        store.Ask(person);
        if (store.Broken || person == store.BreaksAt)
        {
            throw new InvalidOperationException("The consent store is unreachable.");
        }

        return person == user.Email ? user.AcceptedTracking : !store.Refused.Contains(person);
    }
}

/// <summary>The customers' map of the consent tests, with consent, an acting user and an alias of a changed e-mail.</summary>
public static class ConsentShop
{
    public const string AddedBy = "Added Customer";

    public static Func<KissTrackingBuilder, KissTrackingBuilder> Map(ConsentStore store, bool backfill = false) => kiss =>
    {
        kiss.Services.AddScoped<CurrentUser>();
        kiss.Services.AddSingleton(store);
        return kiss.UseConsent<ShopConsent>().Entity<OutboxCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.AliasOnChange(x => x.Email);
            c.OnAdded().Record(OutboxShop.SignedUp).With("name", x => x.Name);
            c.OnAdded().IdentifiedBy<CurrentUser>(u => u.Email).Record(AddedBy);
            c.OnChanged(x => x.Score).Record(OutboxShop.Scored).With("score", x => x.Score);
            if (backfill)
            {
                c.OnAdded().Record(OutboxShop.Imported).At(x => OutboxShop.ImportEpoch.AddSeconds(x.Id));
            }
        });
    };
}
