using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary>
/// The plain table of <c>kissef status</c> that docs/operations.md shows: totals, then a line per context type, then a
/// line per tenant, each in ordinal order.
/// </summary>
public sealed class KissStatusTableTests
{
    [Fact]
    public void A_line_per_context_then_per_tenant_follows_the_totals_and_ages_past_a_day_count_days()
    {
        var state = new KissOutboxState(3, 7, 1, 2, TimeSpan.FromHours(26))
        {
            Contexts = new Dictionary<string, KissOutboxState>
            {
                ["ShopContext"] = new(3, 7, 0, 0, TimeSpan.FromHours(26)),
                ["BillingContext"] = new(0, 0, 1, 2, null),
            },
            Tenants = new Dictionary<string, KissOutboxState>
            {
                ["globex"] = new(0, 0, 1, 2, null),
                ["acme"] = new(3, 7, 0, 0, TimeSpan.FromSeconds(90.9)),
            },
        };

        Assert.Equal(
            """
            outbox                  pending rows  pending calls  dead rows  dead calls  oldest pending
            all                                3              7          1           2  1d 02:00:00
            context BillingContext             0              0          1           2  -
            context ShopContext                3              7          0           0  1d 02:00:00
            tenant acme                        3              7          0           0  00:01:30
            tenant globex                      0              0          1           2  -

            """.ReplaceLineEndings("\n"),
            KissStatusCommand.Table(state));
    }
}
