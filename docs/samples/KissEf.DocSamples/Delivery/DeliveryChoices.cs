using KissEf;
using Microsoft.Extensions.DependencyInjection;

namespace Shop.Delivery;

/// <summary>The delivery page's registrations (docs/delivery.md): compiled, and run by DocSampleRunTests.</summary>
public static class DeliveryChoices
{
    public static void Direct(IServiceCollection services, string apiKey)
    {
        #region direct-delivery
        services.AddKissTracking(kiss => kiss
            .UseApiKey(apiKey)
            .UseDirectDelivery()   // no table: committed calls wait in memory, and a crash loses them
            .ApplyConfiguration(new CustomerTracking()));
        #endregion
    }

    public static void HttpClient(KissTrackingBuilder kiss)
    {
        #region http-client
        kiss.ConfigureHttpClient(http => http
            .ConfigureHttpClient(client => client.DefaultRequestHeaders.UserAgent.ParseAdd("shop/1.0")));
        #endregion
    }
}
