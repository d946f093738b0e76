using KissEf.Tests.Support;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 6 (values as the database holds them): a value-converted strongly typed id
/// (<c>record struct UserId(int Value)</c> with <c>HasConversion</c>) goes out as its stored value, <c>42</c>, not as
/// the record's <c>ToString()</c> (<c>UserId { Value = 42 }</c>), as the identity and as a property.
/// </summary>
public sealed class ConvertedKeyTests
{
    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_value_converted_key_is_sent_as_its_stored_value_as_identity_and_as_a_property(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppUser>(u =>
        {
            u.HasIdentity(x => x.Id);
            u.OnAdded().Record("Joined").With("manager", x => x.ManagerId).With("name", x => x.Name);
            u.OnAdded().Set("manager", x => x.ManagerId);
        }));

        using (var scope = host.OpenScope())
        {
            scope.Db.Users.Add(new AppUser { Id = new UserId(42), Name = "Ann", ManagerId = new UserId(7) });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(CallAssert.OnlyTo(calls, "/e"), "/e", ("_p", "42"), ("_n", "Joined"), ("manager", "7"), ("name", "Ann"));
        CallAssert.Is(CallAssert.OnlyTo(calls, "/s"), "/s", ("_p", "42"), ("manager", "7"));
    }
}
