// A stock `dotnet new web` app (WebApplication.CreateBuilder, the template's appsettings.json) with KissEf's outbox on
// SQLite. Usage: KissEf.WebHost --urls http://127.0.0.1:0 --Db <SQLite connection string> --Endpoint <tracking
// endpoint> --PollMs <poll interval>; run from its output folder (its content root). The database is created by the
// test. GET /customers is the application's own query; POST /customers/{key} a tracked save; GET /outbox-commands how
// many of KissEf's outbox commands EF has run. Stops on SIGTERM, or when its stdin closes.
using System.Globalization;
using KissEf.Tests.Support;
using KissEf.WebHost;
using Microsoft.EntityFrameworkCore;

var builder = WebApplication.CreateBuilder(args);
var counter = new OutboxCommandCounter("kiss_outbox");
builder.Services.AddKissTracking(kiss => kiss
    .UseApiKey(OutboxShop.ApiKey)
    .UseEndpoint(new Uri(builder.Configuration["Endpoint"]!))
    .MapCustomers()
    .Configure(o => o.PollInterval = TimeSpan.FromMilliseconds(int.Parse(builder.Configuration["PollMs"]!, CultureInfo.InvariantCulture))));
builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db
    .UseSqlite(builder.Configuration["Db"])
    .UseKissTracking(sp)
    .AddInterceptors(counter));

var app = builder.Build();

app.MapGet("/", () => "Hello World!");
app.MapGet("/customers", async (OutboxShopContext db) => await db.Customers.CountAsync());
app.MapPost("/customers/{key}", async (string key, OutboxShopContext db) =>
{
    db.Customers.Add(new OutboxCustomer { Email = $"{key}@web.test", Name = $"Customer {key}" });
    await db.SaveChangesAsync();
    return Results.Ok();
});
app.MapGet("/outbox-commands", () => counter.Count);

// A closed stdin means the test that started us is gone: stop rather than linger.
_ = Task.Run(async () =>
{
    await Console.In.ReadToEndAsync();
    app.Lifetime.StopApplication();
});

app.Run();
