using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary>
/// The shape of <c>kissef dead --json</c> that docs/operations.md documents: times in UTC, kinds in ordinal order, and
/// the text as it reads (a network error's <c>&lt;host&gt;</c> not escaped for HTML), quotes still escaped.
/// </summary>
public sealed class KissDeadJsonTests
{
    [Fact]
    public void A_group_prints_its_text_as_it_reads_with_times_in_UTC_and_kinds_in_order()
    {
        var group = new KissDeadGroup(
            "0123456789ab",
            "network error (ConnectionError): Connection refused (<host>) \"quoted\"",
            2,
            3,
            new DateTimeOffset(2023, 11, 14, 23, 13, 20, TimeSpan.FromHours(1)),
            new DateTimeOffset(2023, 11, 14, 22, 14, 20, TimeSpan.Zero),
            new Dictionary<string, int> { ["/s"] = 1, ["/e Signed Up"] = 2 });

        Assert.Equal(
            """
            [
              {
                "key": "0123456789ab",
                "error": "network error (ConnectionError): Connection refused (<host>) \"quoted\"",
                "rows": 2,
                "calls": 3,
                "firstFailedAt": "2023-11-14T22:13:20+00:00",
                "lastFailedAt": "2023-11-14T22:14:20+00:00",
                "kinds": {
                  "/e Signed Up": 2,
                  "/s": 1
                }
              }
            ]
            """.ReplaceLineEndings(),
            KissDeadJson.Serialize([group]));
    }
}
