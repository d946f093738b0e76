using System.Net;
using System.Text.RegularExpressions;
using KissEf.Internal.Outbox;
using KissEf.Tests.Support;

namespace KissEf.Tests.Docs;

/// <summary>
/// docs/operations.md's table of the common dead-letter groups gives each error as <c>kissef dead</c> prints it: these
/// texts are what the fingerprint leaves of such an error, so an operator finds the row of the group on the screen.
/// </summary>
public sealed class OperationsPageTests
{
    [Fact]
    public void Every_error_of_the_common_groups_table_is_printed_as_the_fingerprint_leaves_it()
    {
        var errors = CommonGroupErrors();

        Assert.True(errors.Count >= 8, $"found {errors.Count} error(s) in the table");
        foreach (var error in errors)
        {
            Assert.Equal(error, KissDeadFingerprint.Text(error));
            if (error.StartsWith("HTTP ", StringComparison.Ordinal))
            {
                // As the sender writes a status: its code and HttpStatusCode's name.
                var code = int.Parse(error[5..8], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal($"HTTP {code} ({(HttpStatusCode)code})", error);
            }
        }
    }

    [Theory]
    [InlineData("network error (ConnectionError): Connection refused (10.1.2.3:443)")]
    [InlineData("network error (NameResolutionError): Name or service not known (trk.kissmetrics.io:443)")]
    [InlineData("IKissTenants.GetApiKey failed for tenant 'acme' (InvalidOperationException)")]
    [InlineData("timeout")]
    public void A_raw_error_of_each_kind_falls_into_a_group_of_the_table(string raw)
        => Assert.Contains(KissDeadFingerprint.Text(raw), CommonGroupErrors());

    /// <summary>The code spans of the first column of the table under "What the common groups mean".</summary>
    private static List<string> CommonGroupErrors()
    {
        var page = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "operations.md")).ReplaceLineEndings("\n");
        var start = page.IndexOf("### What the common groups mean", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operations.md has no section 'What the common groups mean'");
        var section = page[start..];
        var end = section.IndexOf("\n#", 4, StringComparison.Ordinal);
        section = end < 0 ? section : section[..end];
        return [.. section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => Regex.Matches(line.Split('|')[1], "`([^`]+)`").Select(m => m.Groups[1].Value))];
    }
}
