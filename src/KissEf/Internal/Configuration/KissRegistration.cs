using KissEf.Internal.Model;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Configuration;

/// <summary>
/// KissEf's one configuration in a service collection, shared by every <c>AddKissTracking</c> call on it (a modular
/// application registers its maps module by module): the builder they all add to, the maps compiled from it, and
/// the delivery the services are registered for. Registered as a singleton instance, so that a later call finds it.
/// </summary>
internal sealed class KissRegistration(KissTrackingBuilder builder)
{
    private object? _registered;

    public KissTrackingBuilder Builder { get; } = builder;

    /// <summary>The maps of every call so far, compiled and validated after each call.</summary>
    public KissModel Model { get; set; } = new([]);

    /// <summary>The delivery a call chose (the section's <c>Delivery</c> or the builder's), or null when none did.</summary>
    public KissDelivery? ChosenDelivery { get; private set; }

    /// <summary>The delivery the services are registered for; null when a delivery of its own replaces it (the recorder).</summary>
    public KissDelivery? Delivery => Builder.DeliveryOverride is null ? ChosenDelivery ?? KissDelivery.Outbox : null;

    public bool Direct => Delivery == KissDelivery.Direct;

    /// <summary>The services registered for the current delivery (removed if a later call changes it).</summary>
    public IReadOnlyList<ServiceDescriptor> DeliveryServices { get; private set; } = [];

    /// <summary>Direct delivery's retries were added to KissEf's HTTP client.</summary>
    public bool RetriesAdded { get; set; }

    /// <summary>How many of the builder's HTTP client configurations were applied.</summary>
    public int HttpClientActionsApplied { get; set; }

    /// <summary>
    /// Records the delivery one call chose. Two calls that choose different deliveries are a conflict, not a
    /// last-one-wins: the outbox and direct delivery promise different things (a crash loses direct calls).
    /// </summary>
    public void Choose(KissDelivery? delivery)
    {
        if (delivery is not { } chosen)
        {
            return;
        }

        if (ChosenDelivery is { } earlier && earlier != chosen)
        {
            throw new InvalidOperationException(
                $"AddKissTracking was called with {earlier} delivery, and this call chooses {chosen} delivery. An application has one " +
                "delivery: choose it in one call (the configuration section's Delivery, UseDirectDelivery() or Configure), and " +
                "let the calls that add maps choose none.");
        }

        ChosenDelivery = chosen;
    }

    /// <summary>Whether the services registered are those of the delivery the calls so far chose.</summary>
    public bool IsRegistered => Equals(_registered, (object?)Builder.DeliveryOverride ?? Delivery);

    /// <summary>Records the services just registered for the current delivery.</summary>
    public void Registered(IReadOnlyList<ServiceDescriptor> services)
    {
        _registered = (object?)Builder.DeliveryOverride ?? Delivery;
        DeliveryServices = services;
    }
}
