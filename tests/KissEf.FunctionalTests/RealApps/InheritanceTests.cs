using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, Done when: TPH inheritance with a base map and a derived map. The derived map applies to the derived
/// type; the base map to the base type and to derived types without a map of their own.
/// </summary>
public sealed class InheritanceTests
{
    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_derived_map_applies_to_its_type_and_the_base_map_to_the_rest_of_the_hierarchy(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery);
        using (var scope = host.OpenScope())
        {
            scope.Db.Payments.AddRange(
                new AppPayment { PayerEmail = "plain@example.com", Amount = 10.5m },
                new CardPayment { PayerEmail = "card@example.com", Amount = 20.5m, Last4 = "4242" },
                new BankPayment { PayerEmail = "bank@example.com", Amount = 30.5m, Iban = "FR76" });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "plain@example.com"), "/e", ("_p", "plain@example.com"), ("_n", "Paid"), ("amount", "10.5"));
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "card@example.com"), "/e", ("_p", "card@example.com"), ("_n", "Paid By Card"), ("amount", "20.5"), ("last4", "4242"));
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "bank@example.com"), "/e", ("_p", "bank@example.com"), ("_n", "Paid"), ("amount", "30.5"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnChanged_of_each_map_watches_its_own_members_on_the_types_it_applies_to(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery);
        await host.AddAsync(
            new CardPayment { PayerEmail = "card@example.com", Amount = 20.5m, Last4 = "4242" },
            new BankPayment { PayerEmail = "bank@example.com", Amount = 30.5m, Iban = "FR76" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            var card = await scope.Db.Payments.OfType<CardPayment>().SingleAsync();
            card.Last4 = "1881";
            card.Amount = 21.5m;
            (await scope.Db.Payments.OfType<BankPayment>().SingleAsync()).Amount = 31.5m;
            await SaveAsync(scope.Db, async);
        }

        // The card's Amount changed too, but the base map does not apply to a type with a map of its own.
        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Card Changed")), "/e", ("_p", "card@example.com"), ("_n", "Card Changed"), ("last4", "1881"), ("previous last4", "4242"));
        CallAssert.Is(Assert.Single(calls.Events("Payment Changed")), "/e", ("_p", "bank@example.com"), ("_n", "Payment Changed"), ("amount", "31.5"), ("previous amount", "30.5"));
    }

    private static Task<AppHost> StartAsync(Delivery delivery) => AppHost.StartAsync(delivery, kiss => kiss
        .Entity<AppPayment>(p =>
        {
            p.HasIdentity(x => x.PayerEmail);
            p.OnAdded().Record("Paid").With("amount", x => x.Amount);
            p.OnChanged(x => x.Amount).Record("Payment Changed").With("amount", x => x.Amount).WithOriginal("previous amount", x => x.Amount);
        })
        .Entity<CardPayment>(c =>
        {
            c.HasIdentity(x => x.PayerEmail);
            c.OnAdded().Record("Paid By Card").With("amount", x => x.Amount).With("last4", x => x.Last4);
            c.OnChanged(x => x.Last4).Record("Card Changed").With("last4", x => x.Last4).WithOriginal("previous last4", x => x.Last4);
        }));
}
