// The sample is the whole file a user's test project needs, "using Xunit;" included (here a global using).
#pragma warning disable IDE0005
#region recorder-test
using KissEf;
using KissEf.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Shop.Tests;

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
#endregion
