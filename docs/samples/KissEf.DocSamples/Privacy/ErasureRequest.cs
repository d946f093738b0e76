using KissEf;
using Microsoft.Extensions.DependencyInjection;

namespace Shop.Privacy;

/// <summary>A person's request to be forgotten (docs/privacy.md), run by tests/KissEf.FunctionalTests/Docs/DocSampleRunTests.cs.</summary>
public static class ErasureRequest
{
    public static async Task<KissForgetReport> ForgetAsync(IServiceProvider services, string email, CancellationToken ct)
    {
        #region forget-person
        var outbox = services.GetRequiredService<IKissOutbox>();
        var report = await outbox.ForgetAsync(email, ct);   // from every outbox table: report.PendingCalls, report.DeadCalls
        #endregion
        return report;
    }
}
