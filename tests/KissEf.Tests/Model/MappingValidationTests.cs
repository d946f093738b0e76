using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Model;

/// <summary>A broken map fails at AddKissTracking with a KissMappingException naming the entity and the member or name.</summary>
public sealed class MappingValidationTests
{
    private static readonly string TooLong = new('n', 256);
    private static readonly string Longest = new('n', 255);

    public static TheoryData<string, string> BadNames => new()
    {
        { "", "empty" },
        { "   ", "empty" },
        { TooLong, "255" },
        { "_secret", "'_'" },
        { "plan,tier", "','" },
        { "plan:tier", "':'" },
    };

    [Fact]
    public void A_map_without_identity_is_refused()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c => c.OnAdded().Record("Signed Up"))));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("identity", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("HasIdentity", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_bad_event_name_is_refused(string name, string rule)
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record(name);
        })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("event name", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        if (name.Trim().Length > 0)
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_bad_event_property_name_is_refused(string name, string rule)
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With(name, x => x.Plan);
        })));

        AssertNamesProperty(error, name, rule, "x.Plan");
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_bad_property_name_of_a_property_set_is_refused(string name, string rule)
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Country).Set("country", x => x.Country).Set(name, x => x.Region);
        })));

        AssertNamesProperty(error, name, rule, "x.Region");
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_bad_WithOriginal_property_name_is_refused(string name, string rule)
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").WithOriginal(name, x => x.Plan);
        })));

        AssertNamesProperty(error, name, rule, "x.Plan");
    }

    [Fact]
    public void Names_of_255_characters_are_accepted()
    {
        using var services = Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record(Longest).With(Longest, x => x.Plan);
            c.OnAdded().Set(Longest, x => x.Plan);
        }));
    }

    [Theory]
    [InlineData("plan", "Plan")]
    [InlineData("plan", "plan")]
    [InlineData("Région", "RÉGION")]
    public void The_same_property_twice_in_one_event_is_refused_case_insensitively(string first, string second)
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With(first, x => x.Plan).WithOriginal(second, x => x.Plan);
        })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("Changed Plan", error.Message, StringComparison.Ordinal);
        Assert.Contains(second, error.Message, StringComparison.Ordinal);
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_property_twice_in_one_property_set_is_refused_case_insensitively()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Country).Set("country", x => x.Country).Set("COUNTRY", x => x.Region);
        })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("COUNTRY", error.Message, StringComparison.Ordinal);
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_property_in_two_different_calls_is_fine()
    {
        using var services = Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
            c.OnAdded().Set("plan", x => x.Plan);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("Plan", x => x.Plan);
        }));
    }

    [Fact]
    public void WithOriginal_of_an_expression_that_is_not_a_member_is_refused()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").WithOriginal("previous plan", x => x.Plan + "!");
        })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("WithOriginal", error.Message, StringComparison.Ordinal);
        Assert.Contains("previous plan", error.Message, StringComparison.Ordinal);
        Assert.Contains("x.Plan", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Watched_members_that_are_not_members_are_refused()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan!.ToUpperInvariant()).Record("Changed Plan");
            c.AliasOnChange(x => x.Email + "?");
            c.Alias(x => x.LegacyId, x => x.Address!.City.Trim());
        })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("ToUpperInvariant", error.Message, StringComparison.Ordinal);
        Assert.Contains("x.Email + \"?\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("x.Address.City.Trim()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_map_is_listed_in_one_exception()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss
            .Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("_hidden");
                c.OnAdded().Record("Signed Up").With("a:b", x => x.Plan);
            })
            .Entity<ShopOrder>(o => o.OnAdded().Record("Ordered"))));

        Assert.Contains("_hidden", error.Message, StringComparison.Ordinal);
        Assert.Contains("a:b", error.Message, StringComparison.Ordinal);
        Assert.Contains("ShopOrder", error.Message, StringComparison.Ordinal);
        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_class_is_validated_like_an_inline_map()
    {
        var error = Assert.Throws<KissMappingException>(() => Build(kiss => kiss.ApplyConfiguration(new BrokenOrderTracking())));

        Assert.Contains("ShopOrder", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ordered, twice", error.Message, StringComparison.Ordinal);
    }

    private static void AssertNamesProperty(KissMappingException error, string name, string rule, string member)
    {
        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("property name", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        Assert.Contains(member, error.Message, StringComparison.Ordinal);
        if (name.Trim().Length > 0)
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    private static ServiceProvider Build(Action<KissTrackingBuilder> maps)
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss =>
        {
            kiss.UseApiKey("mapping-test-key");
            maps(kiss);
        });
        return services.BuildServiceProvider();
    }

    private sealed class BrokenOrderTracking : IKissEntityTypeConfiguration<ShopOrder>
    {
        public void Configure(KissEntityTypeBuilder<ShopOrder> builder)
        {
            builder.HasIdentity(o => o.Reference);
            builder.OnAdded().Record("Ordered, twice");
        }
    }
}
