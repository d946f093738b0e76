namespace KissEf.Tests.Commands;

/// <summary>
/// Issue 20, item 2: <c>kissef forget PERSON [--json]</c> run by the sample's own executable on SQLite and on
/// PostgreSQL removes exactly that person's pending and dead calls (her events and property sets, and the aliases that
/// name her on either side, whatever the case), read back by SQL; it prints the counts, never the person.
/// </summary>
public sealed class SampleForgetCommandTests
{
    private const string Insert = """
        INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
        VALUES (@calls, @count, @created, 0, @created, 0, @error, @dead)
        """;

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task Forget_removes_the_persons_pending_and_dead_calls_and_prints_the_counts(string provider)
    {
        await using var sample = await SampleCommand.OnAsync(provider);
        await sample.CreateDatabaseAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Pending: her event among bob's, an alias naming her second, and a row of hers only; dead: her property set and
        // an alias naming her first, beside bob's event.
        await InsertAsync(sample, now, null, "e?_n=Signed%20Up&_p=ann%40example.com&_t=1", "e?_n=Signed%20Up&_p=bob%40example.com&_t=1", "a?_p=legacy-7&_n=ANN%40example.com");
        await InsertAsync(sample, now, null, "e?_n=Paid&_p=Ann%40Example.com&_t=2");
        await InsertAsync(sample, now, "HTTP 400 (BadRequest)", "s?_p=ann%40example.com&plan=pro&_t=3", "a?_p=ann%40example.com&_n=ann-new%40example.com", "e?_n=Paid&_p=bob%40example.com&_t=3");

        var forget = await sample.RunAsync("kissef", "forget", "ann@EXAMPLE.com", "--json");

        Assert.True(forget.ExitCode == 0, forget.ToString());
        Assert.Equal("{\n  \"pendingCalls\": 3,\n  \"deadCalls\": 2\n}\n", forget.Text);
        Assert.DoesNotContain("ann@", forget.Output + forget.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox"));
        Assert.Equal(2L, await sample.ScalarAsync("SELECT SUM(call_count) FROM kiss_outbox"));
        Assert.Equal(0L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE LOWER(calls) LIKE '%ann%40example.com%'"));
        Assert.Equal(1L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NOT NULL AND calls = 'e?_n=Paid&_p=bob%40example.com&_t=3'"));

        var again = await sample.RunAsync("kissef", "forget", "ann@example.com");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("removed 0 pending and 0 dead call(s)\n", again.Text);
    }

    [Fact]
    public async Task Forget_without_a_person_is_a_usage_error()
    {
        await using var sample = SampleCommand.Sqlite();

        var run = await sample.RunAsync("kissef", "forget");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.Output);
    }

    private static Task InsertAsync(SampleCommand sample, long now, string? error, params string[] calls)
        => sample.ExecuteAsync(
            Insert,
            ("calls", string.Join("\n", calls)),
            ("count", calls.Length),
            ("created", now),
            ("error", (object?)error ?? DBNull.Value),
            ("dead", error is null ? DBNull.Value : now));
}
