using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Privacy;

/// <summary>
/// Issue 20, item 1: how <c>UseConsent&lt;TConsent&gt;()</c> registers its service. Scoped when the application did not
/// register it (a scoped service may read the request's user); the application's own registration wins, made before
/// or after; one consent service per application.
/// </summary>
public sealed class UseConsentRegistrationTests
{
    [Fact]
    public void The_consent_service_is_registered_as_scoped_when_the_application_did_not_register_it()
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseConsent<ShopConsent>());

        Assert.Equal(ServiceLifetime.Scoped, Assert.Single(services, d => d.ServiceType == typeof(ShopConsent)).Lifetime);
    }

    [Fact]
    public void The_applications_own_registration_wins_made_before_or_after()
    {
        var before = new ServiceCollection();
        before.AddSingleton<ShopConsent>();
        before.AddKissTracking(kiss => kiss.UseConsent<ShopConsent>());

        var after = new ServiceCollection();
        after.AddKissTracking(kiss => kiss.UseConsent<ShopConsent>());
        after.AddSingleton<ShopConsent>();

        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(before, d => d.ServiceType == typeof(ShopConsent)).Lifetime);
        Assert.Equal(ServiceLifetime.Singleton, after.Last(d => d.ServiceType == typeof(ShopConsent)).Lifetime);
    }

    [Fact]
    public void A_second_consent_service_is_refused_and_the_same_one_again_is_not()
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseConsent<ShopConsent>());
        services.AddKissTracking(kiss => kiss.UseConsent<ShopConsent>());

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKissTracking(kiss => kiss.UseConsent<OtherConsent>()));

        Assert.Contains("UseConsent<ShopConsent>()", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseConsent<OtherConsent>()", error.Message, StringComparison.Ordinal);
    }

    private sealed class OtherConsent : IKissConsent
    {
        public bool MayTrack(string person) => true;
    }
}
