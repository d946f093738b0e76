using KissEf.Internal.Outbox;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 19: a dead row's error is grouped by what it says once what varies from row to row is taken out.</summary>
public sealed class KissDeadFingerprintTests
{
    [Theory]
    [InlineData("HTTP 400 (BadRequest)", "HTTP 400 (BadRequest)")]
    [InlineData("network error (ConnectionError): Connection refused (127.0.0.1:5391)", "network error (ConnectionError): Connection refused (<host>)")]
    [InlineData("network error (NameResolutionError): Name or service not known (trk.kissmetrics.com:443)", "network error (NameResolutionError): Name or service not known (<host>)")]
    [InlineData("IKissTenants.GetApiKey failed for tenant 'acme-42' (InvalidOperationException)", "IKissTenants.GetApiKey failed for tenant '<name>' (InvalidOperationException)")]
    [InlineData("refused for ann@example.com after 3 attempts, id 5f0c2a9e-6b1d-4c3e-9a7f-1b2c3d4e5f60", "refused for <person> after <n> attempts, id <id>")]
    [InlineData(null, KissDeadFingerprint.NoError)]
    public void The_text_keeps_the_status_code_and_takes_out_hosts_names_people_ids_and_numbers(string? error, string expected)
        => Assert.Equal(expected, KissDeadFingerprint.Text(error));

    [Fact]
    public void Errors_that_differ_only_in_what_varies_share_a_key_and_others_do_not()
    {
        var first = KissDeadFingerprint.Key(KissDeadFingerprint.Text("network error (ConnectionError): Connection refused (10.0.0.1:80)"));
        var second = KissDeadFingerprint.Key(KissDeadFingerprint.Text("network error (ConnectionError): Connection refused (10.0.0.2:8080)"));
        var other = KissDeadFingerprint.Key(KissDeadFingerprint.Text("HTTP 400 (BadRequest)"));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Matches("^[0-9a-f]{12}$", first);
    }
}
