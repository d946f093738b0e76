using System.Diagnostics;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;

namespace KissEf.Tests.Observability;

/// <summary>
/// Issue 9, traces: a span per dispatch batch (ActivitySource <c>KissEf</c>) linked to the trace of the request whose
/// save produced its calls; the outbox keeps the W3C trace context in the row, and it never reaches the endpoint.
/// </summary>
public sealed class TraceTests : OutboxTestBase
{
    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task The_delivery_span_links_to_the_request_that_saved(Delivery delivery)
    {
        using var spans = new SpanRecorder();
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
            c.OnAdded().Set("plan", x => x.Plan);
        }));

        Activity request;
        using (request = SpanRecorder.StartRequest("kissef=t1"))
        {
            host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic" });
        }

        var calls = await host.FlushedCallsAsync();
        var linked = await spans.DeliveredLinkedToAsync(request, 2, TimeSpan.FromSeconds(20));

        // The outbox sends the save's row in one batch; direct delivery's queue takes calls one at a time, so its
        // dispatcher may send the save's two calls in two batches (each span then links to the request).
        if (delivery == Delivery.Outbox)
        {
            Assert.Single(linked);
        }

        Assert.Equal(2, linked.Sum(s => (int)s.GetTagItem("kissef.batch.delivered")!));
        foreach (var span in linked)
        {
            Assert.Equal("kissef.dispatch", span.OperationName);
            Assert.Equal(delivery == Delivery.Outbox ? "outbox" : "direct", span.GetTagItem("kissef.delivery"));
            var link = Assert.Single(span.Links, l => SpanRecorder.IsTo(l, request));
            Assert.Equal("kissef=t1", link.Context.TraceState);
            Assert.NotEqual(request.TraceId, span.TraceId); // its own trace: the dispatcher works outside the request
        }
        AssertNoTraceContextSent(calls, request);
    }

    [Fact]
    public async Task The_outbox_row_keeps_the_trace_context_through_retries_and_older_rows_still_go()
    {
        using var spans = new SpanRecorder();
        await using var host = CreateHost();
        await host.EnsureCreatedAsync();

        Activity request;
        using (request = SpanRecorder.StartRequest())
        {
            await host.AddCustomersAsync(OutboxTestHost.Customers("traced", 0, 2));
        }

        var row = Assert.Single(OutboxRows.Read(Database));
        Assert.StartsWith($"_traceparent={request.Id}&_tracestate=kissef%3Dtest\ne?_p=", row.Calls, StringComparison.Ordinal);
        Assert.Equal(2, row.CallCount);

        // The first attempt fails for one call: the row is rescheduled with what is left, its trace line kept.
        Server.FailNext(1, 503);
        await host.Dispatcher.FlushAsync();
        var retried = Assert.Single(OutboxRows.Read(Database));
        Assert.StartsWith($"_traceparent={request.Id}&_tracestate=kissef%3Dtest\ne?_p=", retried.Calls, StringComparison.Ordinal);
        Assert.Equal(retried.Calls.Split('\n').Length - 1, retried.CallCount);

        // A row written like an earlier version's (no Activity): no trace line, sent as before.
        await host.AddCustomersAsync(OutboxTestHost.Customers("plain", 0, 1));
        Assert.StartsWith("e?_p=", OutboxRows.Read(Database)[^1].Calls, StringComparison.Ordinal);

        await host.StartAsync();
        await Server.WaitForCallsAsync(3, TimeSpan.FromSeconds(20));
        await host.Dispatcher.FlushAsync();

        // Both attempts of the traced row are linked to the request.
        Assert.Equal(2, (await spans.LinkedToAsync(request, 2, TimeSpan.FromSeconds(20))).Count);
        Assert.Empty(OutboxRows.Read(Database));
        OutboxCalls.AssertSameCalls(
            [OutboxCalls.SignedUp("traced-0"), OutboxCalls.SignedUp("traced-1"), OutboxCalls.SignedUp("plain-0")],
            Server.Calls.Select(OutboxCalls.KeyOf));
        AssertNoTraceContextSent(Server.AllRequests, request);
    }

    [Fact]
    public async Task A_refused_call_moved_to_a_dead_row_keeps_the_trace_context_of_its_save()
    {
        await using var host = CreateHost();
        await host.EnsureCreatedAsync();
        Activity request;
        using (new SpanRecorder())
        using (request = SpanRecorder.StartRequest())
        {
            await host.AddCustomersAsync([OutboxTestHost.Customer("refused"), OutboxTestHost.Customer("later")]);
        }

        // One call refused (dead at once, on its own), the other worth retrying: the row is split in two.
        Server.SetResponder((call, _) => FakeResponse.Status(call.Get("_p") == OutboxTestHost.EmailOf("refused") ? 400 : 503));
        await host.Dispatcher.FlushAsync();

        var rows = OutboxRows.Read(Database);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.StartsWith($"_traceparent={request.Id}&_tracestate=kissef%3Dtest\ne?_p=", r.Calls, StringComparison.Ordinal);
            Assert.Equal(1, r.CallCount);
        });
        Assert.Contains(OutboxTestHost.EmailOf("refused").Replace("@", "%40", StringComparison.Ordinal), Assert.Single(rows, r => r.DeadAt is not null).Calls, StringComparison.Ordinal);
        AssertNoTraceContextSent(Server.AllRequests, request);
    }

    private static void AssertNoTraceContextSent(IEnumerable<ReceivedCall> calls, Activity request)
    {
        var traceId = request.TraceId.ToHexString();
        Assert.All(calls, call =>
        {
            Assert.DoesNotContain(call.RawPairs, p => p.Key.StartsWith("_trace", StringComparison.Ordinal));
            Assert.DoesNotContain(traceId, call.Url, StringComparison.Ordinal);
            Assert.DoesNotContain(traceId, call.Body ?? string.Empty, StringComparison.Ordinal);
            Assert.Null(call.TraceParent); // nor any trace header, even sent from within a traced flush
        });
    }
}
