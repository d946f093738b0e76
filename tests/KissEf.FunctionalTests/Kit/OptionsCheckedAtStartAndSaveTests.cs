using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 2: KissEf's options are checked when the host starts and at a save, never when a context's options
/// are built (design-time tools build contexts with no key: <c>dotnet ef migrations add</c> failed while looking for
/// the DbContext types). A save without a valid configuration fails with the message of the host's start.
/// </summary>
public sealed class OptionsCheckedAtStartAndSaveTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_context_with_no_key_is_created_and_read_and_its_save_fails_with_the_message_of_the_start(bool direct)
    {
        using var database = new SqliteDatabase();
        var startFailure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            using var host = BuildHost(database, direct);
            await host.StartAsync();
        });
        Assert.Contains("ApiKey", startFailure.Message, StringComparison.Ordinal);

        // No host: what a design-time tool, or a console app that never starts one, does.
        using var services = BuildHost(database, direct);
        using (var scope = services.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<NoKeyShopContext>();
            db.Database.EnsureCreated();
            Assert.Equal(0, db.Shoppers.Count());

            db.Add(new NoKeyShopper { Email = "ann@example.com" });
            var saveFailure = Assert.Throws<OptionsValidationException>(() => db.SaveChanges());
            Assert.Equal(startFailure.Message, saveFailure.Message);
            var asyncFailure = await Assert.ThrowsAsync<OptionsValidationException>(() => db.SaveChangesAsync());
            Assert.Equal(startFailure.Message, asyncFailure.Message);
        }

        // Nothing was saved: the check runs before the save's first command.
        using var check = services.Services.CreateScope();
        Assert.Equal(0, check.ServiceProvider.GetRequiredService<NoKeyShopContext>().Shoppers.Count());
    }

    private static IHost BuildHost(SqliteDatabase database, bool direct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKissTracking(kiss =>
        {
            if (direct)
            {
                kiss.UseDirectDelivery();
            }

            kiss.Entity<NoKeyShopper>(s =>
            {
                s.HasIdentity(x => x.Email);
                s.OnAdded().Record("Signed Up");
            });
        });
        builder.Services.AddDbContext<NoKeyShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        return builder.Build();
    }

    public sealed class NoKeyShopper
    {
        public int Id { get; set; }

        public string Email { get; set; } = string.Empty;
    }

    public sealed class NoKeyShopContext(DbContextOptions<NoKeyShopContext> options) : DbContext(options)
    {
        public DbSet<NoKeyShopper> Shoppers => Set<NoKeyShopper>();
    }
}
