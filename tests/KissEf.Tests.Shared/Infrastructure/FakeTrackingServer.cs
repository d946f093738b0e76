using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for the KISSmetrics tracking host: it records every request and
/// answers 200 with a 1x1 GIF unless told otherwise. A POST with a form body (application/x-www-form-urlencoded,
/// as the vendor's API accepts) is recorded like a GET: its body's pairs are the call's parameters. Real sockets (rather than a fake HttpMessageHandler) so the
/// library's actual HttpClient pipeline, encoding and retry behaviour are exercised end to end.
/// </summary>
public sealed class FakeTrackingServer : IAsyncDisposable
{
    // The smallest valid GIF89a: 1x1, transparent. What the real tracking host returns.
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private readonly Lock _gate = new();
    private readonly List<ReceivedCall> _all = [];
    private readonly List<ReceivedCall> _ok = [];
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly List<string> _concurrentDuplicates = [];
    private readonly Queue<FakeResponse> _planned = new();
    private FakeResponse? _always;
    private Func<ReceivedCall, int, FakeResponse?>? _responder;

    // Completed (and replaced) whenever a request is recorded, so waiters wake on events instead of polling.
    private TaskCompletionSource _changed = NewSignal();

    private WebApplication? _app;
    private CancellationTokenSource? _stopping;

    private FakeTrackingServer()
    {
    }

    /// <summary>The port the server listens on; kept across <see cref="StopAsync"/> so it can restart there.</summary>
    public int Port { get; private set; }

    /// <summary>Base address, e.g. http://127.0.0.1:12345/ (still valid, but refusing connections, while stopped).</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Whether the server is accepting connections.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _app is not null;
            }
        }
    }

    /// <summary>Snapshot of the requests answered 200, in the order they were answered.</summary>
    public IReadOnlyList<ReceivedCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _ok];
            }
        }
    }

    /// <summary>Snapshot of every request, whatever it was answered (including failures and aborts).</summary>
    public IReadOnlyList<ReceivedCall> AllRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>
    /// The URLs (path and query) that arrived while a request for the same URL was still being answered: a call sent by
    /// two senders at once. Empty when every repeat came after the earlier attempt's answer.
    /// </summary>
    public IReadOnlyList<string> ConcurrentDuplicates
    {
        get
        {
            lock (_gate)
            {
                return [.. _concurrentDuplicates];
            }
        }
    }

    /// <summary>Starts a server on 127.0.0.1; port 0 picks a free one (see <see cref="Port"/>).</summary>
    public static async Task<FakeTrackingServer> StartAsync(int port = 0)
    {
        var server = new FakeTrackingServer();
        try
        {
            await server.ListenAsync(port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts listening again on the same <see cref="Port"/>, keeping recordings and programmed answers.</summary>
    public Task RestartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The server is already running.");
        }

        return ListenAsync(Port);
    }

    /// <summary>Stops listening: new connections are refused until <see cref="RestartAsync"/>. Idempotent.</summary>
    public async Task StopAsync()
    {
        WebApplication? app;
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            (app, _app) = (_app, null);
            (stopping, _stopping) = (_stopping, null);
        }

        if (app is null)
        {
            return;
        }

        // Cut short delayed answers first, or shutdown would wait for them.
        await stopping!.CancelAsync();
        try
        {
            await app.StopAsync();
        }
        finally
        {
            await app.DisposeAsync();
            stopping.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Answers the next <paramref name="count"/> requests (any URL) with <paramref name="status"/>.</summary>
    public void FailNext(int count, int status) => Plan(count, FakeResponse.Status(status));

    /// <summary>Answers the next <paramref name="count"/> requests with 429 and a Retry-After header (whole seconds).</summary>
    public void RespondWith429(int count, TimeSpan retryAfter) => Plan(count, FakeResponse.TooManyRequests(retryAfter));

    /// <summary>Queues explicit answers for the next requests, one each, in order.</summary>
    public void RespondNext(params FakeResponse[] responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        lock (_gate)
        {
            foreach (var response in responses)
            {
                _planned.Enqueue(response);
            }
        }
    }

    /// <summary>Answers every request with <paramref name="status"/> until <see cref="Recover"/>.</summary>
    public void AlwaysFail(int status)
    {
        lock (_gate)
        {
            _always = FakeResponse.Status(status);
        }
    }

    /// <summary>
    /// Installs a custom responder, consulted first for every request with the call (StatusCode still 0) and its
    /// attempt number for that URL; returning null falls through to queued answers, then AlwaysFail, then 200.
    /// It runs on Kestrel's threads, so it must be thread-safe. Pass null to remove it.
    /// </summary>
    public void SetResponder(Func<ReceivedCall, int, FakeResponse?>? responder)
    {
        lock (_gate)
        {
            _responder = responder;
        }
    }

    /// <summary>Back to answering 200: drops queued failures, AlwaysFail and the custom responder.</summary>
    public void Recover()
    {
        lock (_gate)
        {
            _planned.Clear();
            _always = null;
            _responder = null;
        }
    }

    /// <summary>Forgets all recorded requests and attempt counts (programmed answers stay).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _all.Clear();
            _ok.Clear();
            _attempts.Clear();
            _concurrentDuplicates.Clear();
        }
    }

    /// <summary>How many requests arrived for this call's URL (path + raw query).</summary>
    public int AttemptsFor(ReceivedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return AttemptsFor(call.Path, call.RawQuery);
    }

    /// <summary>How many requests arrived for <paramref name="path"/> with exactly <paramref name="rawQuery"/> (no '?').</summary>
    public int AttemptsFor(string path, string rawQuery)
    {
        lock (_gate)
        {
            return _attempts.GetValueOrDefault(UrlKey(path, rawQuery));
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> requests have been answered 200.</summary>
    /// <exception cref="TimeoutException">The deadline passed; the message lists what did arrive.</exception>
    public Task WaitForCallsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(
            (ok, _) => ok.Count >= count,
            $"{count} call(s) answered 200",
            timeout,
            cancellationToken);

    /// <summary>Completes once at least <paramref name="count"/> requests have arrived, whatever they were answered.</summary>
    /// <exception cref="TimeoutException">The deadline passed; the message lists what did arrive.</exception>
    public Task WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(
            (_, all) => all.Count >= count,
            $"{count} request(s)",
            timeout,
            cancellationToken);

    /// <summary>
    /// Completes once <paramref name="condition"/>, given snapshots of <see cref="Calls"/> and <see cref="AllRequests"/>,
    /// returns true. It is re-evaluated each time a request is recorded, never on a timer.
    /// </summary>
    /// <exception cref="TimeoutException">The deadline passed; the message lists what did arrive.</exception>
    public async Task WaitUntilAsync(
        Func<IReadOnlyList<ReceivedCall>, IReadOnlyList<ReceivedCall>, bool> condition,
        string description,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            ReceivedCall[] ok;
            ReceivedCall[] all;
            Task changed;
            lock (_gate)
            {
                // Taking the signal in the same lock as the snapshot means no recording can slip in between unseen.
                ok = [.. _ok];
                all = [.. _all];
                changed = _changed.Task;
            }

            if (condition(ok, all))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(DescribeTimeout(description, timeout));
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string UrlKey(string path, string rawQuery) =>
        rawQuery.Length == 0 ? path : path + "?" + rawQuery;

    private string DescribeTimeout(string description, TimeSpan timeout)
    {
        ReceivedCall[] all;
        int okCount;
        lock (_gate)
        {
            all = [.. _all];
            okCount = _ok.Count;
        }

        var arrived = all.Length == 0
            ? "No request arrived at all."
            : $"{okCount} answered 200, {all.Length} request(s) in all:{Environment.NewLine}  "
              + string.Join(Environment.NewLine + "  ", all.Select(c => c.ToString()));
        return $"Timed out after {timeout} waiting for {description} at {Endpoint}. {arrived}";
    }

    private void Plan(int count, FakeResponse response)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _planned.Enqueue(response);
            }
        }
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());

        // The empty builder has no server and no logging providers: add bare Kestrel, keep the test output quiet.
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, port);
        });

        // Connections left open by clients must not hold up StopAsync for the default 30 s.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.Run(HandleAsync);
        var stopping = new CancellationTokenSource();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            stopping.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        lock (_gate)
        {
            _app = app;
            _stopping = stopping;
            Port = new Uri(address).Port;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var receivedAt = DateTimeOffset.UtcNow;

        // QueryString is the raw, still-encoded query from the request line; Path is only ever "/e", "/s", "/a".
        var urlQuery = request.QueryString.Value is { Length: > 0 } q ? q[1..] : string.Empty;
        var path = request.Path.Value is { Length: > 0 } p ? p : "/";

        // A form body holds the same pairs as a query, read as sent (no form decoding: '+' stays '+').
        string? body = null;
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var rawQuery = body is null ? urlQuery : urlQuery.Length == 0 ? body : urlQuery + "&" + body;

        ReceivedCall call;
        Func<ReceivedCall, int, FakeResponse?>? responder;
        CancellationToken stopping;
        string key;
        lock (_gate)
        {
            var parsed = ReceivedCall.Parse(request.Method, path, rawQuery, receivedAt, attempt: 0) with
            {
                UrlQuery = urlQuery,
                Body = body,
                ContentType = request.ContentType,
                TraceParent = request.Headers.TraceParent.Count == 0 ? null : request.Headers.TraceParent.ToString(),
                RequestLineLength = request.Method.Length + 1 + path.Length + (urlQuery.Length == 0 ? 0 : urlQuery.Length + 1) + 1 + request.Protocol.Length,
            };
            key = UrlKey(parsed.Path, parsed.RawQuery);
            var attempt = _attempts.GetValueOrDefault(key) + 1;
            _attempts[key] = attempt;
            var inFlight = _inFlight.GetValueOrDefault(key) + 1;
            _inFlight[key] = inFlight;
            if (inFlight > 1)
            {
                _concurrentDuplicates.Add(key);
            }
            call = parsed with { Attempt = attempt };
            responder = _responder;
            stopping = _stopping?.Token ?? new CancellationToken(canceled: true);
        }

        try
        {
            await AnswerAsync(context, call, responder, stopping);
        }
        finally
        {
            lock (_gate)
            {
                _inFlight[key]--;
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, ReceivedCall call, Func<ReceivedCall, int, FakeResponse?>? responder, CancellationToken stopping)
    {
        // User code runs outside the lock.
        var response = responder?.Invoke(call, call.Attempt);
        lock (_gate)
        {
            response ??= _planned.TryDequeue(out var planned) ? planned : _always ?? FakeResponse.Ok;
        }

        var abort = response.AbortConnection;
        if (response.Delay > TimeSpan.Zero)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try
            {
                await Task.Delay(response.Delay, linked.Token);
            }
            catch (OperationCanceledException)
            {
                abort = true;
            }
        }

        // Record before answering: once a client has seen the answer, the recording is already visible to tests.
        Record(call with { StatusCode = abort ? 0 : response.StatusCode });

        if (abort)
        {
            context.Abort();
            return;
        }

        var http = context.Response;
        http.StatusCode = response.StatusCode;
        if (response.RetryAfter is { } retryAfter)
        {
            var seconds = (long)Math.Ceiling(Math.Max(0, retryAfter.TotalSeconds));
            http.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (response.StatusCode == StatusCodes.Status200OK)
        {
            http.ContentType = "image/gif";
            http.ContentLength = Pixel.Length;
            http.Headers.CacheControl = "no-cache, no-store";
            await http.Body.WriteAsync(Pixel, context.RequestAborted);
        }
    }

    private void Record(ReceivedCall call)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _all.Add(call);
            if (call.StatusCode == StatusCodes.Status200OK)
            {
                _ok.Add(call);
            }

            (changed, _changed) = (_changed, NewSignal());
        }

        changed.TrySetResult();
    }
}
