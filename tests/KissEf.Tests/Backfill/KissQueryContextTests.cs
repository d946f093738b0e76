using KissEf.Internal.Backfill;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Backfill;

/// <summary>
/// A backfill finds the context its query belongs to (for the services the maps read): from a <c>DbSet</c>, and from a
/// composed query through EF's internals, which this test pins for each EF Core upgrade.
/// </summary>
public sealed class KissQueryContextTests
{
    [Fact]
    public void A_DbSet_and_a_composed_query_name_their_own_context()
    {
        using var first = NewContext();
        using var second = NewContext();

        Assert.Same(first, KissQueryContext.Of(first.Notes));
        Assert.Same(second, KissQueryContext.Of(second.Notes));
        Assert.Same(first, KissQueryContext.Of(first.Notes.Where(n => n.Text != null).OrderBy(n => n.Id).AsNoTracking()));
        Assert.Same(second, KissQueryContext.Of(second.Notes.IgnoreQueryFilters().Where(n => n.Id > 3)));
    }

    [Fact]
    public void A_query_of_no_DbContext_names_none()
        => Assert.Null(KissQueryContext.Of(new[] { new Note() }.AsQueryable()));

    private static NoteContext NewContext()
        => new(new DbContextOptionsBuilder<NoteContext>().UseSqlite("Data Source=:memory:").Options);

    private sealed class NoteContext(DbContextOptions<NoteContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();
    }

    private sealed class Note
    {
        public int Id { get; set; }

        public string? Text { get; set; }
    }
}
