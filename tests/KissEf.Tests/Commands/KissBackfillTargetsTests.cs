using KissEf.Commands;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Commands;

/// <summary>
/// How <c>kissef backfill &lt;Entity&gt; [--context NAME]</c> finds what to backfill, as <c>dotnet ef</c> finds a context:
/// every context the app registers (AddDbContext, AddDbContextFactory, AddDbContextPool), names matched exactly first,
/// then ignoring case, and one line that says what exists and what to type when a name fits nothing or too much.
/// </summary>
public sealed class KissBackfillTargetsTests
{
    private static readonly Type[] Both = [typeof(ShopContext), typeof(CrmContext)];

    [Fact]
    public void The_context_types_are_those_registered_by_AddDbContext_AddDbContextFactory_and_AddDbContextPool()
    {
        var services = new ServiceCollection();
        services.AddDbContext<ShopContext>(o => o.UseSqlite("Data Source=:memory:"));
        services.AddDbContextFactory<CrmContext>(o => o.UseSqlite("Data Source=:memory:"));
        services.AddDbContextPool<PooledContext>(o => o.UseSqlite("Data Source=:memory:"));
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        var types = KissBackfillTargets.ContextTypes(scope.ServiceProvider);

        Assert.Equal([typeof(ShopContext), typeof(CrmContext), typeof(PooledContext)], types);

        // Each is a service of its own too, so that the command (and a backfill of every tenant) can resolve it.
        Assert.All(types, type => Assert.IsAssignableFrom<DbContext>(scope.ServiceProvider.GetRequiredService(type)));
    }

    [Theory]
    [InlineData("Order", null)]
    [InlineData("KissEf.Tests.Commands.KissBackfillTargetsTests+Order", null)]
    [InlineData("order", null)]
    [InlineData("Customer", "ShopContext")]
    [InlineData("Customer", "shopcontext")]
    [InlineData("Customer", "KissEf.Tests.Commands.KissBackfillTargetsTests+ShopContext")]
    public void An_entity_is_found_by_its_name_or_full_name_in_one_context_or_the_one_named(string entity, string? context)
    {
        var target = KissBackfillTargets.Find(Both, ModelOf, entity, context);

        Assert.Equal(typeof(ShopContext), target.ContextType);
        Assert.Equal(entity.Contains("ustomer", StringComparison.Ordinal) ? typeof(Customer) : typeof(Order), target.EntityType.ClrType);
    }

    [Fact]
    public void An_entity_in_two_contexts_without_context_names_both_and_says_to_choose_with_context()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(Both, ModelOf, "Customer", null));

        Assert.Equal(
            "Customer is an entity type of ShopContext and CrmContext: choose one with --context (kissef backfill Customer --context ShopContext).",
            error.Message);
        Assert.Equal(typeof(CrmContext), KissBackfillTargets.Find(Both, ModelOf, "Customer", "CrmContext").ContextType);
    }

    [Fact]
    public void An_unknown_entity_lists_the_entity_types_of_each_context_but_not_the_owned_nor_the_shared_ones()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(Both, ModelOf, "Invoice", null));

        Assert.Equal(
            "'Invoice' is not an entity type of ShopContext (Customer, Order, Tag) or CrmContext (Customer): give one of these names, or the type's full name.",
            error.Message);
        Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(Both, ModelOf, "Address", null));
    }

    [Fact]
    public void An_unknown_context_lists_the_contexts()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(Both, ModelOf, "Customer", "Sales"));

        Assert.Equal("no DbContext named 'Sales' is registered in the app's services: give --context one of ShopContext, CrmContext.", error.Message);
    }

    [Fact]
    public void A_name_of_two_entity_types_asks_for_the_full_name()
    {
        Type[] contexts = [typeof(ShopContext), typeof(LegacyContext)];

        var error = Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(contexts, ModelOf, "Order", null));

        Assert.Equal(
            "'Order' names the entity types KissEf.Tests.Commands.KissBackfillTargetsTests+Order and KissEf.Tests.Commands.KissBackfillTargetsTests+Legacy+Order: give the full name of one.",
            error.Message);
        Assert.Equal(typeof(Legacy.Order), KissBackfillTargets.Find(contexts, ModelOf, "KissEf.Tests.Commands.KissBackfillTargetsTests+Legacy+Order", null).EntityType.ClrType);
    }

    [Fact]
    public void An_exact_name_wins_over_one_that_matches_only_ignoring_case()
    {
        Type[] contexts = [typeof(ShopContext), typeof(CaseContext)];

        Assert.Equal(typeof(Order), KissBackfillTargets.Find(contexts, ModelOf, "Order", null).EntityType.ClrType);
        Assert.Equal(typeof(ORDER), KissBackfillTargets.Find(contexts, ModelOf, "ORDER", null).EntityType.ClrType);
        Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find(contexts, ModelOf, "oRDER", null));
    }

    [Fact]
    public void No_registered_context_says_to_register_one()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KissBackfillTargets.Find([], ModelOf, "Customer", null));

        Assert.Contains("AddDbContext", error.Message, StringComparison.Ordinal);
    }

    private static IModel ModelOf(Type type)
    {
        var options = (DbContextOptionsBuilder)Activator.CreateInstance(typeof(DbContextOptionsBuilder<>).MakeGenericType(type))!;
        using var db = (DbContext)Activator.CreateInstance(type, options.UseSqlite("Data Source=:memory:").Options)!;
        return db.Model;
    }

    private sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Customer>().OwnsOne(c => c.Address);
            modelBuilder.Entity<Order>().HasMany(o => o.Tags).WithMany(t => t.Orders);
        }
    }

    private sealed class CrmContext(DbContextOptions<CrmContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Customer>().Ignore(c => c.Address);
    }

    private sealed class PooledContext(DbContextOptions<PooledContext> options) : DbContext(options);

    private sealed class LegacyContext(DbContextOptions<LegacyContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Legacy.Order>();
    }

    private sealed class CaseContext(DbContextOptions<CaseContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<ORDER>();
    }

    private sealed class Customer
    {
        public int Id { get; set; }

        public Address? Address { get; set; }
    }

    private sealed class Address
    {
        public string? City { get; set; }
    }

    private sealed class Order
    {
        public int Id { get; set; }

        public List<Tag> Tags { get; } = [];
    }

    private sealed class Tag
    {
        public int Id { get; set; }

        public List<Order> Orders { get; } = [];
    }

    private sealed class ORDER
    {
        public int Id { get; set; }
    }

    private static class Legacy
    {
        public sealed class Order
        {
            public int Id { get; set; }
        }
    }
}
