using KissEf.Internal.Model;

namespace KissEf.Tests.Model;

/// <summary>The map compiler, without EF: slots (watched members first, the bits of the changed-members mask) and what a save tracks.</summary>
public sealed class KissMapCompilerTests
{
    [Fact]
    public void Watched_members_take_the_first_slots_and_the_mask_bits()
    {
        var builder = new KissEntityTypeBuilder<Person>();
        builder.HasIdentity(p => p.Email);
        builder.OnChanged(p => p.Plan).Record("Plan Changed").With("Region", p => p.Region).WithOriginal("Old Plan", p => p.Plan);
        builder.AliasOnChange(p => p.Email);

        var map = Compile(builder);

        Assert.Equal(["Plan", "Email", "Region"], map.Slots);
        Assert.Equal(0b11UL, map.WatchedMask);
        Assert.Equal(0b11UL, map.ScalarMask);
        Assert.True(map.NeedsOriginals);
        Assert.True(map.TracksModified);
        Assert.False(map.TracksAdded);
        Assert.False(map.TracksDeleted);
        Assert.False(map.HasOnModified);
        Assert.Equal(0b1UL, map.Modified.Single().MemberMask);
        Assert.Equal("calls of Person (OnChanged(p => p.Plan))", map.Modified.Single().Label);
    }

    [Fact]
    public void Triggers_are_grouped_by_the_state_they_react_to()
    {
        var builder = new KissEntityTypeBuilder<Person>();
        builder.HasIdentity(p => p.Email);
        builder.OnAdded().Record("Signed Up");
        builder.OnModified().Record("Edited");
        builder.OnChanged(p => p.Plan).Record("Plan Changed");
        builder.OnDeleted().Record("Left");

        var map = Compile(builder);

        Assert.Equal(["Signed Up"], map.TriggersOf(Microsoft.EntityFrameworkCore.EntityState.Added).Select(t => t.Calls[0].EventName));
        Assert.Equal(["Edited", "Plan Changed"], map.TriggersOf(Microsoft.EntityFrameworkCore.EntityState.Modified).Select(t => t.Calls[0].EventName));
        Assert.Equal(["Left"], map.TriggersOf(Microsoft.EntityFrameworkCore.EntityState.Deleted).Select(t => t.Calls[0].EventName));
        Assert.True(map.HasOnModified && map.TracksAdded && map.TracksModified && map.TracksDeleted);
        Assert.False(map.NeedsOriginals);
    }

    [Fact]
    public void A_broken_rule_compiles_no_map()
    {
        var builder = new KissEntityTypeBuilder<Person>();
        builder.OnAdded().Record("_bad");
        var errors = new List<string>();

        Assert.Null(KissMapCompiler.Compile(builder, errors));
        Assert.Equal(2, errors.Count); // no identity; an event name that starts with '_'
    }

    [Fact]
    public void An_identity_that_reads_a_service_gives_slots_to_the_entitys_members_only_and_watches_none()
    {
        var builder = new KissEntityTypeBuilder<Person>();
        builder.HasIdentity<Tenant>((p, t) => t.Id == null ? null : t.Id + ":" + p.Email);
        builder.OnChanged(p => p.Plan).Record("Plan Changed");

        var map = Compile(builder);

        // The service's members are not the entity's: no slot, nothing bound to the EF model, nothing watched.
        Assert.Equal(["Plan", "Email"], map.Slots);
        Assert.Equal(0b1UL, map.WatchedMask);
        Assert.Equal(typeof(Tenant), map.Identity.ServiceType);
        Assert.Null(map.Identity.MemberName);
        Assert.Equal(-1, map.Identity.Slot);
        Assert.Contains("t.Id", map.Identity.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Either_HasIdentity_replaces_the_other()
    {
        var builder = new KissEntityTypeBuilder<Person>();
        builder.HasIdentity<Tenant>((p, t) => t.Id + ":" + p.Email);
        builder.HasIdentity(p => p.Email);
        builder.OnAdded().Record("Signed Up");

        var map = Compile(builder);

        Assert.Null(map.Identity.ServiceType);
        Assert.Equal("Email", map.Identity.MemberName);
    }

    private static KissEntityMap<Person> Compile(KissEntityTypeBuilder<Person> builder)
    {
        var errors = new List<string>();
        var map = KissMapCompiler.Compile(builder, errors);
        Assert.Empty(errors);
        return map!;
    }

    private sealed class Tenant
    {
        public string? Id { get; set; }
    }

    private sealed class Person
    {
        public string Email { get; set; } = string.Empty;

        public string? Plan { get; set; }

        public string? Region { get; set; }
    }
}
