using KissEf.Internal.Capture;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Tests.Capture;

/// <summary>KissEf's savepoint around a save in a user transaction, on its own (no KissEf in the context).</summary>
public sealed class KissSavepointGuardTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void Undo_takes_back_the_statements_made_since_the_savepoint_and_keeps_the_earlier_ones()
    {
        using var db = NewContext();
        using var transaction = db.Database.BeginTransaction();
        db.Customers.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic" });
        db.SaveChanges();
        var guard = new KissSavepointGuard(db.GetService<IDbContextTransactionManager>());

        guard.Create();
        Assert.False(guard.Creating);
        db.Customers.Add(new ShopCustomer { Email = "bob@example.com", Plan = "basic" });
        db.SaveChanges();
        guard.Undo();
        transaction.Commit();

        Assert.Equal(["ann@example.com"], db.Customers.AsNoTracking().Select(c => c.Email).ToList());
    }

    [Fact]
    public void Release_keeps_the_statements_and_a_second_release_does_nothing()
    {
        using var db = NewContext();
        using var transaction = db.Database.BeginTransaction();
        var guard = new KissSavepointGuard(db.GetService<IDbContextTransactionManager>());

        guard.Create();
        db.Customers.Add(new ShopCustomer { Email = "bob@example.com", Plan = "basic" });
        db.SaveChanges();
        guard.Release();
        guard.Release();
        transaction.Commit();

        Assert.Equal(["bob@example.com"], db.Customers.AsNoTracking().Select(c => c.Email).ToList());
    }

    [Fact]
    public void Without_a_transaction_or_a_relational_provider_nothing_is_created()
    {
        using var db = NewContext();
        var guard = new KissSavepointGuard(db.GetService<IDbContextTransactionManager>());
        var none = new KissSavepointGuard(null);

        guard.Create();
        none.Create();
        guard.Undo();
        none.ReleaseAfterFailure();

        Assert.Null(db.Database.CurrentTransaction);
    }

    private TestShopContext NewContext()
    {
        var db = new TestShopContext(new DbContextOptionsBuilder<TestShopContext>().UseSqlite(_database.ConnectionString).Options);
        db.Database.EnsureCreated();
        return db;
    }
}
