using KissEf.Internal.Building;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KissEf.Tests.Building;

/// <summary>Building a backfill's calls from a compiled map and an object's values, with no DbContext and no entry.</summary>
public sealed class KissCallBuilderTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_existing_row_gives_its_dated_calls_and_its_alias_pairs_and_tallies_the_rest()
    {
        var builder = new KissEntityTypeBuilder<Member>();
        builder.HasIdentity(m => m.Email);
        builder.OnAdded().Record("Joined").With("Plan", m => m.Plan).At(m => m.JoinedAt);
        builder.OnAdded().Record("Undated");
        builder.Alias(m => m.Email, m => m.Login);
        var (map, type) = Compile(builder);
        var sink = new KissCallSink(new ServiceCollection().BuildServiceProvider(), Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "a@b.c", Login = "ann", Plan = "Gold", JoinedAt = Now.AddDays(-1) }, type, sink);

        Assert.Equal(2, sink.Calls.Count);
        Assert.Equal("a@b.c", sink.Calls.Single(c => c.Person is not null).Person);
        Assert.Contains(sink.Tally!.Keys, k => k.Contains("Undated", StringComparison.Ordinal) && k.Contains("At(...)", StringComparison.Ordinal));
    }

    [Fact]
    public void An_alias_pair_with_a_side_missing_is_not_an_alias_yet()
    {
        var builder = new KissEntityTypeBuilder<Member>();
        builder.HasIdentity(m => m.Email);
        builder.Alias(m => m.Email, m => m.Login);
        var (map, type) = Compile(builder);
        var sink = new KissCallSink(new ServiceCollection().BuildServiceProvider(), Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "a@b.c", Login = null }, type, sink);

        Assert.Empty(sink.Calls);
        Assert.Empty(sink.Tally!);
    }

    [Fact]
    public void An_identity_that_reads_a_service_takes_the_service_from_the_sinks_application_services()
    {
        var (map, type) = Compile(TenantMap());
        using var services = new ServiceCollection().AddSingleton(new Tenant { Id = "acme" }).BuildServiceProvider();
        var sink = new KissCallSink(services, Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "ann@example.com", JoinedAt = Now.AddDays(-1) }, type, sink);

        Assert.Equal("acme:ann@example.com", Assert.Single(sink.Calls).Person);
        Assert.Empty(sink.Tally!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_service_identity_without_its_service_leaves_the_calls_out_with_the_rule_naming_the_service_and_the_identity(bool anyServices)
    {
        const string rule = "the service Tenant of HasIdentity<Tenant> is not registered in the context's application services";
        var (map, type) = Compile(TenantMap());

        // No services at all: a backfill whose query's context was not found.
        using var services = new ServiceCollection().BuildServiceProvider();
        var sink = new KissCallSink(anyServices ? services : null, Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "ann@example.com", JoinedAt = Now.AddDays(-1) }, type, sink);

        Assert.Empty(sink.Calls);
        var (what, count) = Assert.Single(sink.Tally!);
        Assert.Equal(1, count);
        Assert.StartsWith("/e \"Joined\" of Member (OnAdded()): " + rule + " (identity (m, t) => ", what, StringComparison.Ordinal);
        Assert.Contains("t.Id", what, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_that_cannot_be_resolved_leaves_the_calls_out_with_the_exceptions_type()
    {
        var (map, type) = Compile(TenantMap());

        // A scoped service from a root provider that validates scopes (ASP.NET Core's development default).
        using var services = new ServiceCollection().AddScoped<Tenant>().BuildServiceProvider(validateScopes: true);
        var sink = new KissCallSink(services, Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "ann@example.com", JoinedAt = Now.AddDays(-1) }, type, sink);

        Assert.Empty(sink.Calls);
        Assert.Contains("the service Tenant of HasIdentity<Tenant> could not be resolved from the context's application services (InvalidOperationException)", Assert.Single(sink.Tally!).Key, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_person_from_a_service_identity_leaves_the_calls_out_naming_the_identity()
    {
        var (map, type) = Compile(TenantMap());
        using var services = new ServiceCollection().AddSingleton(new Tenant { Id = null }).BuildServiceProvider();
        var sink = new KissCallSink(services, Now, NullLogger.Instance, 512);

        KissCallBuilder.FromObject(map, new Member { Email = "ann@example.com", JoinedAt = Now.AddDays(-1) }, type, sink);

        Assert.Empty(sink.Calls);
        var what = Assert.Single(sink.Tally!).Key;
        Assert.Contains("(identity (m, t) => ", what, StringComparison.Ordinal);
        Assert.DoesNotContain("service", what, StringComparison.Ordinal);
    }

    /// <summary>A tenant-qualified identity that is null without a tenant, and one dated event.</summary>
    private static KissEntityTypeBuilder<Member> TenantMap()
    {
        var builder = new KissEntityTypeBuilder<Member>();
        builder.HasIdentity<Tenant>((m, t) => t.Id == null ? null : t.Id + ":" + m.Email);
        builder.OnAdded().Record("Joined").At(m => m.JoinedAt);
        return builder;
    }

    private static (KissEntityMap<Member> Map, IEntityType Type) Compile(KissEntityTypeBuilder<Member> builder)
    {
        var errors = new List<string>();
        var map = KissMapCompiler.Compile(builder, errors)!;
        Assert.Empty(errors);
        var model = new ModelBuilder();
        model.Entity<Member>().HasKey(m => m.Email);
        return (map, (IEntityType)model.Model.FindEntityType(typeof(Member))!);
    }

    private sealed class Tenant
    {
        public string? Id { get; set; }
    }

    private sealed class Member
    {
        public string Email { get; set; } = string.Empty;

        public string? Login { get; set; }

        public string? Plan { get; set; }

        public DateTimeOffset JoinedAt { get; set; }
    }
}
