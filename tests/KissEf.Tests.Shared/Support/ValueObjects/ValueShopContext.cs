using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support.ValueObjects;

/// <summary>
/// Issue 18, items 5 and 6: value objects as a Clean Architecture application maps them. A todo list owns its colour
/// (OwnsOne, in the list's row), a place that owns a position in turn (nested OwnsOne), a badge in a table of its own
/// (OwnsOne with ToTable) and tags (OwnsMany); a profile holds the same kinds of value in JSON columns: a complex
/// property and a complex collection mapped with ToJson, and owned types mapped with ToJson (OwnsOne with a nested owned
/// type, OwnsMany). The value objects are immutable classes without an Equals of their own: equal values are never the
/// same instance.
/// </summary>
public sealed class ValueShopContext(DbContextOptions<ValueShopContext> options) : DbContext(options)
{
    public DbSet<VoTodoList> Lists => Set<VoTodoList>();

    public DbSet<VoProfile> Profiles => Set<VoProfile>();

    public DbSet<VoBoard> Boards => Set<VoBoard>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<VoTodoList>(list =>
        {
            list.OwnsOne(l => l.Colour);
            list.OwnsOne(l => l.Place, place => place.OwnsOne(p => p.Position));
            list.Navigation(l => l.Place).IsRequired();
            list.OwnsOne(l => l.Badge, badge => badge.ToTable("ListBadges"));
            list.OwnsMany(l => l.Tags, tag =>
            {
                tag.Property<int>("Id");
                tag.HasKey("Id");
            });
        });

        modelBuilder.Entity<VoProfile>(profile =>
        {
            profile.ComplexProperty(p => p.Settings, settings => settings.ToJson());
            profile.ComplexCollection(p => p.Links, links => links.ToJson());
            profile.OwnsOne(p => p.Address, address =>
            {
                address.ToJson();
                address.OwnsOne(a => a.Position);
            });
            profile.OwnsMany(p => p.Phones, phones => phones.ToJson());
        });

        modelBuilder.Entity<VoBoard>().ComplexCollection(b => b.Groups, groups =>
        {
            groups.ToJson();
            groups.ComplexCollection(g => g.Items, items => items.ComplexProperty(i => i.Meta, meta => meta.ComplexCollection(m => m.Entries)));
        });
    }
}
