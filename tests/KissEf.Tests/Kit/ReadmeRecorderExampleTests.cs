using KissEf.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

#pragma warning disable CA1725 // The parameter name is the README's.

namespace KissEf.Tests.Kit.ReadmeExample;

// The README's "Testing your maps" example, as written there, on the Quick start's types: it must keep passing.

public sealed class CustomerTrackingTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"shop-{Guid.NewGuid():N}.db");
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKissTracking(kiss => kiss
            .UseRecorder()
            .ApplyConfiguration(new CustomerTracking()));
        builder.Services.AddDbContext<ShopContext>((sp, db) =>
            db.UseSqlite($"Data Source={_file};Pooling=False").UseKissTracking(sp));
        _host = builder.Build();
        await _host.StartAsync(); // also checks the map against the EF model

        using var scope = _host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        File.Delete(_file);
    }

    [Fact]
    public async Task Signing_up_records_Signed_Up_with_the_plan()
    {
        using (var scope = _host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
            db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
            await db.SaveChangesAsync();
        }

        var recorder = _host.Services.GetRequiredService<KissRecorder>();
        var call = Assert.Single(recorder.Calls);
        Assert.Equal(KissRecordedCallKind.Event, call.Kind);
        Assert.Equal("ann@example.com", call.Person);
        Assert.Equal("Signed Up", call.Name);
        Assert.Equal("Free", call.Properties["plan"]);
        Assert.Equal("1", call.Properties["customer id"]);
    }
}

public sealed class Customer
{
    public int Id { get; set; }

    public required string Email { get; set; }

    public string? Plan { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();
}

public sealed class CustomerTracking : IKissEntityTypeConfiguration<Customer>
{
    public void Configure(KissEntityTypeBuilder<Customer> customer)
    {
        customer.HasIdentity(c => c.Email);
        customer.OnAdded().Record("Signed Up")
            .With("plan", c => c.Plan)
            .With("customer id", c => c.Id);
    }
}
