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

    private static (KissEntityMap<Member> Map, IEntityType Type) Compile(KissEntityTypeBuilder<Member> builder)
    {
        var errors = new List<string>();
        var map = KissMapCompiler.Compile(builder, errors)!;
        Assert.Empty(errors);
        var model = new ModelBuilder();
        model.Entity<Member>().HasKey(m => m.Email);
        return (map, (IEntityType)model.Model.FindEntityType(typeof(Member))!);
    }

    private sealed class Member
    {
        public string Email { get; set; } = string.Empty;

        public string? Login { get; set; }

        public string? Plan { get; set; }

        public DateTimeOffset JoinedAt { get; set; }
    }
}
