using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary>The app's configuration switches after a command are the host's: the command's parser never sees them.</summary>
public sealed class KissCommandLineTests
{
    [Theory]
    [InlineData(new[] { "status", "--ConnectionStrings:Shop", "Data Source=x.db", "--json" }, new[] { "status", "--json" })]
    [InlineData(new[] { "status", "--ConnectionStrings:Shop=Data Source=x.db" }, new[] { "status" })]
    [InlineData(new[] { "backfill", "Customer", "--context", "ShopContext", "--Database:Provider", "PostgreSQL" }, new[] { "backfill", "Customer", "--context", "ShopContext" })]
    [InlineData(new[] { "forget", "ann@example.com", "--json" }, new[] { "forget", "ann@example.com", "--json" })]
    [InlineData(new[] { "purge", "--group", "a:b" }, new[] { "purge", "--group", "a:b" })]
    [InlineData(new[] { "status", "--Logging:LogLevel:Default" }, new[] { "status" })]
    public void Configuration_switches_and_their_values_are_left_to_the_host(string[] args, string[] kept)
        => Assert.Equal(kept, KissCommandLine.WithoutConfigurationSwitches(args));
}
