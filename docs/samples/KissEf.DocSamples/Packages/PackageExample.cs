using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Packages;

/// <summary>The example of KissEf's package readme (src/KissEf/README.md), run by DocSampleRunTests.</summary>
public static class PackageExample
{
    public static void Register(IHostApplicationBuilder builder)
    {
        #region package-example
        builder.AddKissTracking(kiss => kiss                             // settings from the section "KissMetrics"
            .Entity<Customer>(customer =>
            {
                customer.HasIdentity(c => c.Email);                      // the person (_p)
                customer.OnAdded().Record("Signed Up")                   // /e after the insert commits
                    .With("plan", c => c.Plan);
                customer.OnChanged(c => c.Plan).Record("Changed Plan")   // /e when the saved Plan changed
                    .WithOriginal("previous plan", c => c.Plan);
            }));
        builder.Services.AddDbContext<ShopContext>((sp, db) => db
            .UseSqlite(builder.Configuration.GetConnectionString("Shop"))
            .UseKissTracking(sp));                                       // tracks this context's saves
        #endregion
    }
}
