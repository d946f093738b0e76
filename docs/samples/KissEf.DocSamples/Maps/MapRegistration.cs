using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Maps;

/// <summary>The ways to register maps (docs/maps.md).</summary>
public static class MapRegistration
{
    public static void Register(IHostApplicationBuilder builder, string apiKey)
    {
        #region register-maps
        builder.AddKissTracking(kiss => kiss
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

    /// <summary>Two modules, each registering its own maps (docs/maps.md), run by DocSampleRunTests.</summary>
    public static void RegisterByModule(IHostApplicationBuilder builder)
    {
        #region register-by-module
        builder.AddKissTracking(kiss => kiss.ApplyConfiguration(new CustomerTracking()));   // in the customers module
        builder.AddKissTracking(kiss => kiss.ApplyConfiguration(new OrderTracking()));      // in the orders module
        #endregion
    }
}
