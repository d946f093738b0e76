using KissEf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SampleApp.Model;

namespace SampleApp;

/// <summary>
/// A scripted day at the shop that uses every verb of the tracking maps. Each step runs in its own scope, with
/// its own ShopContext, as a request of a web app would; after each step the scenario flushes the dispatcher,
/// so that the calls of that step print under it.
/// </summary>
internal sealed partial class ShopScenario(
    IServiceScopeFactory scopes,
    IKissDispatcher dispatcher,
    IKissOutbox outbox,
    ILogger<ShopScenario> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StepAsync("Three customers sign up in one SaveChanges (Signed Up; Ann's legacy id is aliased to her email)", async db =>
        {
            db.Customers.AddRange(
                new Customer { Email = "ann@example.com", Plan = Plan.Free, Gender = "female", Country = "Portugal", Region = "Lisboa", LegacyId = "legacy-1001" },
                new Customer { Email = "bob@example.com", Plan = Plan.Pro, Gender = "male", Country = "Ireland", Region = "Leinster" },
                new Customer { Email = "chloé+shop@example.com", Plan = Plan.Free, Gender = "female", Country = "France", Region = "Île-de-France" });
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("Bob moves from Pro to Business (Changed Plan, with the previous plan)", async db =>
        {
            var bob = await db.Customers.SingleAsync(c => c.Email == "bob@example.com", cancellationToken);
            bob.Plan = Plan.Business;
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("Chloé moves to Brussels (country and region in one property set)", async db =>
        {
            var chloe = await db.Customers.SingleAsync(c => c.Email == "chloé+shop@example.com", cancellationToken);
            chloe.Country = "Belgium";
            chloe.Region = "Brussels";
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("Ann becomes a VIP (VIP Updated: any change of a VIP customer)", async db =>
        {
            var ann = await db.Customers.SingleAsync(c => c.Email == "ann@example.com", cancellationToken);
            ann.IsVip = true;
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("Bob changes his email (alias from the old email to the new one)", async db =>
        {
            var bob = await db.Customers.SingleAsync(c => c.Email == "bob@example.com", cancellationToken);
            bob.Email = "robert@example.com";
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("Bob's account from the old system is found (alias from his legacy id to his email)", async db =>
        {
            var bob = await db.Customers.SingleAsync(c => c.Email == "robert@example.com", cancellationToken);
            bob.LegacyId = "legacy-2002";
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("One transaction, three SaveChanges, then Commit (nothing leaves before the commit)", async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

            var dan = new Customer { Email = "dan@example.com", Plan = Plan.Free, Gender = "male", Country = "Spain", Region = "Madrid" };
            db.Customers.Add(dan);
            await db.SaveChangesAsync(cancellationToken);

            dan.Plan = Plan.Pro;
            dan.Orders.Add(new Order { Customer = dan, Total = 49.90m, PlacedAt = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero) });
            await db.SaveChangesAsync(cancellationToken);

            var ann = await db.Customers.SingleAsync(c => c.Email == "ann@example.com", cancellationToken);
            ann.Country = "Spain";
            ann.Region = "Andalucía";
            await db.SaveChangesAsync(cancellationToken);

            // Not flushed here: the calls of the three saves wait for the commit, whatever the delivery.
            Log.BeforeCommit(logger);

            await transaction.CommitAsync(cancellationToken);
        }, cancellationToken);

        await StepAsync("A transaction rolled back: a sign-up and a plan change that never happened", async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

            db.Customers.Add(new Customer { Email = "eve@example.com", Plan = Plan.Business, Gender = "female" });
            var chloe = await db.Customers.SingleAsync(c => c.Email == "chloé+shop@example.com", cancellationToken);
            chloe.Plan = Plan.Pro;
            await db.SaveChangesAsync(cancellationToken);

            await transaction.RollbackAsync(cancellationToken);
        }, cancellationToken);
        Log.NothingSent(logger);

        await StepAsync("Chloé closes her account (Closed Account)", async db =>
        {
            var chloe = await db.Customers.SingleAsync(c => c.Email == "chloé+shop@example.com", cancellationToken);
            db.Customers.Remove(chloe);
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken);

        Log.Done(logger);
    }

    /// <summary>What is left in the outbox table: after a flush with the endpoint reachable, nothing.</summary>
    public async Task ReportOutboxAsync(CancellationToken cancellationToken = default)
    {
        var state = await outbox.GetStateAsync(cancellationToken);
        Log.Outbox(logger, state.PendingCalls, state.PendingRows, state.DeadCalls, state.DeadRows, state.OldestPendingAge?.ToString() ?? "-");
    }

    private async Task StepAsync(string title, Func<ShopContext, Task> step, CancellationToken cancellationToken)
    {
        Log.Step(logger, title);
        await using (var scope = scopes.CreateAsyncScope())
        {
            await step(scope.ServiceProvider.GetRequiredService<ShopContext>());
        }

        await dispatcher.FlushAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "--- {Title}")]
        public static partial void Step(ILogger logger, string title);

        [LoggerMessage(2, LogLevel.Information, "(three saves done, not committed yet: their calls wait for the commit; now Commit)")]
        public static partial void BeforeCommit(ILogger logger);

        [LoggerMessage(3, LogLevel.Information, "(rolled back: nothing was sent for it)")]
        public static partial void NothingSent(ILogger logger);

        [LoggerMessage(4, LogLevel.Information, "--- Scenario done; flushing what is left")]
        public static partial void Done(ILogger logger);

        [LoggerMessage(5, LogLevel.Information, "Outbox: {PendingCalls} call(s) pending in {PendingRows} row(s), {DeadCalls} dead in {DeadRows} row(s), oldest pending: {OldestPendingAge}")]
        public static partial void Outbox(ILogger logger, int pendingCalls, int pendingRows, int deadCalls, int deadRows, string oldestPendingAge);
    }
}
