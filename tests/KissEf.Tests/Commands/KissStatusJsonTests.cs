using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary>The shape of <c>kissef status --json</c> that docs/operations.md documents: contexts, then tenants, in order.</summary>
public sealed class KissStatusJsonTests
{
    [Fact]
    public void Each_context_then_each_tenant_has_the_same_fields_by_name_in_ordinal_order()
    {
        var state = new KissOutboxState(3, 7, 1, 2, TimeSpan.FromSeconds(90.9))
        {
            Contexts = new Dictionary<string, KissOutboxState>
            {
                ["ShopContext"] = new(3, 7, 0, 0, TimeSpan.FromSeconds(90.9)),
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
            {
              "pendingRows": 3,
              "pendingCalls": 7,
              "deadRows": 1,
              "deadCalls": 2,
              "oldestPendingAgeSeconds": 90,
              "contexts": {
                "BillingContext": {
                  "pendingRows": 0,
                  "pendingCalls": 0,
                  "deadRows": 1,
                  "deadCalls": 2,
                  "oldestPendingAgeSeconds": null,
                  "contexts": null,
                  "tenants": null
                },
                "ShopContext": {
                  "pendingRows": 3,
                  "pendingCalls": 7,
                  "deadRows": 0,
                  "deadCalls": 0,
                  "oldestPendingAgeSeconds": 90,
                  "contexts": null,
                  "tenants": null
                }
              },
              "tenants": {
                "acme": {
                  "pendingRows": 3,
                  "pendingCalls": 7,
                  "deadRows": 0,
                  "deadCalls": 0,
                  "oldestPendingAgeSeconds": 90,
                  "contexts": null,
                  "tenants": null
                },
                "globex": {
                  "pendingRows": 0,
                  "pendingCalls": 0,
                  "deadRows": 1,
                  "deadCalls": 2,
                  "oldestPendingAgeSeconds": null,
                  "contexts": null,
                  "tenants": null
                }
              }
            }
            """.ReplaceLineEndings(),
            KissStatusJson.Serialize(state));
    }
}
