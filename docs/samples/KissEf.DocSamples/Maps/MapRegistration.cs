using KissEf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Maps;

/// <summary>The ways to register maps (docs/maps.md).</summary>
public static class MapRegistration
{
    public static void Register(IHostApplicationBuilder builder, string apiKey)
    {
        // LEAD: switch to builder.AddKissTracking (line 1 of each region below) once it is merged.
        #region register-maps
        builder.Services.AddKissTracking(kiss => kiss
            .UseApiKey(apiKey)
            .Entity<Customer>(customer =>                               // inline
            {
                customer.HasIdentity(c => c.Email);
                customer.OnAdded().Record("Signed Up");
            })
            .ApplyConfiguration(new OrderTracking())                    // one class
            .ApplyConfigurationsFromAssembly(typeof(Program).Assembly)); // every map class of the assembly
        #endregion

        #region acting-user-services
        builder.Services.AddHttpContextAccessor();
        #endregion
    }
}
