using System.Globalization;
using System.Reflection;
using KissEf.Internal.Direct;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Kit;

/// <summary>Issue 9, "Configuration": every setting binds from a section, the builder wins, bad values name their path.</summary>
public sealed class ConfigurationTests
{
    private const string Section = "KissMetrics";

    /// <summary>Every public settable property of KissTrackingOptions, so that an option added later is covered too.</summary>
    public static TheoryData<string> Settings()
    {
        var data = new TheoryData<string>();
        foreach (var property in SettableProperties())
        {
            data.Add(property.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Each_setting_binds_from_the_section(string setting)
    {
        var property = typeof(KissTrackingOptions).GetProperty(setting)!;
        var defaults = new KissTrackingOptions();
        var (text, expected) = NonDefaultValue(property, property.GetValue(defaults));
        Assert.NotEqual(property.GetValue(defaults), expected);

        var values = new Dictionary<string, string?> { [$"{Section}:{setting}"] = text };
        if (setting != nameof(KissTrackingOptions.ApiKey))
        {
            values[$"{Section}:{nameof(KissTrackingOptions.ApiKey)}"] = "section-key";
        }

        using var provider = Build(values);
        var options = provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value;

        Assert.Equal(expected, property.GetValue(options));
    }

    [Fact]
    public void Every_setting_binds_at_once()
    {
        var values = new Dictionary<string, string?>();
        var expected = new Dictionary<string, object?>();
        var defaults = new KissTrackingOptions();
        foreach (var property in SettableProperties())
        {
            var (text, value) = NonDefaultValue(property, property.GetValue(defaults));
            values[$"{Section}:{property.Name}"] = text;
            expected[property.Name] = value;
        }

        using var provider = Build(values);
        var options = provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value;

        Assert.All(SettableProperties(), p => Assert.Equal(expected[p.Name], p.GetValue(options)));
    }

    [Fact]
    public void The_builders_own_calls_win_over_the_section()
    {
        using var provider = Build(
            new Dictionary<string, string?>
            {
                [$"{Section}:ApiKey"] = "from-section",
                [$"{Section}:MaxConcurrency"] = "8",
                [$"{Section}:PollInterval"] = "00:00:30",
            },
            kiss => kiss.UseApiKey("from-builder").Configure(o => o.MaxConcurrency = 2));
        var options = provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value;

        Assert.Equal(("from-builder", 2, TimeSpan.FromSeconds(30)), (options.ApiKey, options.MaxConcurrency, options.PollInterval));
    }

    [Theory]
    [InlineData("Direct", true)]
    [InlineData("direct", true)]
    [InlineData("Outbox", false)]
    [InlineData(null, false)]
    public void Delivery_in_the_section_chooses_the_delivery(string? delivery, bool direct)
    {
        using var provider = Build(new Dictionary<string, string?> { [$"{Section}:ApiKey"] = "k", [$"{Section}:Delivery"] = delivery });

        Assert.Equal(direct, provider.GetRequiredService<IKissDispatcher>() is KissQueueDispatcher);
        Assert.Equal(direct, provider.GetService<IKissOutbox>() is null);
        Assert.Equal(direct ? KissDelivery.Direct : KissDelivery.Outbox, provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value.Delivery);
    }

    [Fact]
    public void UseDirectDelivery_still_chooses_direct_delivery_and_sets_the_option()
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseApiKey("k").UseDirectDelivery());
        using var provider = services.BuildServiceProvider();

        Assert.IsType<KissQueueDispatcher>(provider.GetRequiredService<IKissDispatcher>());
        Assert.Equal(KissDelivery.Direct, provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value.Delivery);
    }

    [Fact]
    public async Task Delivery_Direct_from_the_section_sends_after_the_commit_with_no_outbox_table()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{Section}:ApiKey"] = OutboxShop.ApiKey,
            [$"{Section}:Endpoint"] = server.Endpoint.ToString(),
            [$"{Section}:Delivery"] = "Direct",
        });
        builder.Services.AddKissTracking(builder.Configuration.GetSection(Section), kiss => kiss.MapCustomers());
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            using (var scope = host.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
                await db.Database.EnsureCreatedAsync();
                db.Customers.Add(OutboxTestHost.Customer("direct-1"));
                await db.SaveChangesAsync();
            }

            await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

            Assert.False(OutboxRows.TableExists(database));
            Assert.Equal(OutboxCalls.SignedUp("direct-1"), OutboxCalls.KeyOf(Assert.Single(server.Calls)));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void The_key_comes_from_the_KissMetrics__ApiKey_environment_variable()
    {
        var prefix = $"KISSEF_TEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "KissMetrics__ApiKey", "env-key");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var services = new ServiceCollection();
            services.AddKissTracking(configuration.GetSection(Section), kiss => { });
            using var provider = services.BuildServiceProvider();

            Assert.Equal("env-key", provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value.ApiKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "KissMetrics__ApiKey", null);
        }
    }

    [Theory]
    [InlineData("KissMetrics", "MaxConcurrency", "0", "KissMetrics:MaxConcurrency: must be between 1 and 256")]
    [InlineData("KissMetrics", "MaxAttempts", "1001", "KissMetrics:MaxAttempts: must be between 1 and 1000")]
    [InlineData("KissMetrics", "PollInterval", "00:00:00", "KissMetrics:PollInterval: must be between")]
    [InlineData("KissMetrics", "OutboxTable", "", "KissMetrics:OutboxTable: is required")]
    [InlineData("KissMetrics", "Endpoint", "ftp://trk.example", "KissMetrics:Endpoint: must be an absolute http or https URI")]
    [InlineData("KissMetrics", "ApiKy", "typo", "KissMetrics:ApiKy: is not a KissEf setting")]
    [InlineData("Analytics:KissMetrics", "MaxConcurrency", "300", "Analytics:KissMetrics:MaxConcurrency: must be between 1 and 256")]
    public async Task A_bad_value_fails_the_start_naming_the_setting_and_the_section_path(string section, string setting, string value, string message)
    {
        var error = await StartAsync(section, new Dictionary<string, string?> { [$"{section}:ApiKey"] = "k", [$"{section}:{setting}"] = value });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_of_the_configuration_may_be_passed_and_other_keys_are_not_reported()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ApiKey"] = "root-key",
            ["Logging:LogLevel:Default"] = "Information",
        }).Build();
        var services = new ServiceCollection();
        services.AddKissTracking(configuration, kiss => { });
        using var provider = services.BuildServiceProvider();

        Assert.Equal("root-key", provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value.ApiKey);
    }

    [Fact]
    public async Task A_missing_key_names_the_setting_and_says_what_to_do()
    {
        var error = await StartAsync(Section, new Dictionary<string, string?> { [$"{Section}:MaxConcurrency"] = "3" });

        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("KissMetrics:ApiKey: is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseDryRun()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_does_not_convert_names_its_path()
    {
        var error = await StartAsync(Section, new Dictionary<string, string?> { [$"{Section}:ApiKey"] = "k", [$"{Section}:MaxConcurrency"] = "many" });

        Assert.Contains("KissMetrics:MaxConcurrency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_section_messages_name_the_option()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss => kiss.UseDryRun().Configure(o => o.MaxConcurrency = 0));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("KissTrackingOptions.MaxConcurrency: must be between 1 and 256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_changed_after_registration_fails_the_start()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss => kiss.UseDryRun());
        builder.Services.Configure<KissTrackingOptions>(o => o.Delivery = KissDelivery.Direct);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("KissTrackingOptions.Delivery: is Direct, but AddKissTracking registered Outbox delivery", error.Message, StringComparison.Ordinal);
    }

    private static async Task<Exception> StartAsync(string section, Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddKissTracking(builder.Configuration.GetSection(section), kiss => { });
        using var host = builder.Build();
        return await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
    }

    private static ServiceProvider Build(Dictionary<string, string?> values, Action<KissTrackingBuilder>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddKissTracking(configuration.GetSection(Section), kiss => configure?.Invoke(kiss));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static IEnumerable<PropertyInfo> SettableProperties()
        => typeof(KissTrackingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    /// <summary>A valid value other than the default, as configuration text and as the bound value.</summary>
    private static (string Text, object Value) NonDefaultValue(PropertyInfo property, object? current)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string))
        {
            var text = "cfg_" + property.Name.ToLowerInvariant();
            return (text, text);
        }

        if (type == typeof(bool))
        {
            var value = current is not true;
            return (value.ToString(CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(int))
        {
            var value = (current is int i ? i : 0) + 1;
            return (value.ToString(CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(long))
        {
            var value = (current is long l ? l : 0) + 1;
            return (value.ToString(CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(TimeSpan))
        {
            var value = (current is TimeSpan t ? t : TimeSpan.FromSeconds(1)) + TimeSpan.FromSeconds(1);
            return (value.ToString("c", CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(Uri))
        {
            var value = new Uri("https://kiss.example.test/prefix");
            return (value.ToString(), value);
        }

        if (type.IsEnum)
        {
            var value = Enum.GetValues(type).Cast<object>().First(v => !v.Equals(current));
            return (value.ToString()!, value);
        }

        Assert.Fail($"KissTrackingOptions.{property.Name} is a {type.Name}: add a non-default value for that type to this test.");
        throw new InvalidOperationException();
    }
}
