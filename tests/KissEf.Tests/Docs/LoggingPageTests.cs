using System.Globalization;
using System.Reflection;
using KissEf.Tests.Support;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Docs;

/// <summary>
/// The event-id table of docs/logging.md is what the code logs: every <see cref="KissEfEventId"/> constant is a row,
/// with its id and the level of its <c>[LoggerMessage]</c> in <c>KissLog</c>, and every row's id is a constant. The
/// control tests feed the checker a table with each kind of mistake.
/// </summary>
public sealed class LoggingPageTests
{
    [Fact]
    public void The_event_id_table_lists_every_KissEfEventId_constant_with_its_id_and_level_and_nothing_else()
    {
        var page = File.ReadAllLines(Path.Combine(Repository.Root(), "docs", "logging.md"));

        var problems = Check(EventIdTable(page), Constants(), Levels());

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_table_with_a_missing_constant_a_wrong_id_a_wrong_level_or_an_unknown_id_fails()
    {
        string[] page =
        [
            "## Event ids",
            "",
            "| id | `KissEfEventId` | level | message |",
            "|---|---|---|---|",
            "| 1001 | `CallSkipped` | Warning | a call was not sent |",
            "| 1003 | `CallFailed` | Error | building failed |",
            "| 2005 | `DryRun` | Warning | dry run |",
            "| 2099 | `Invented` | Warning | no such constant |",
            "",
        ];
        var constants = new Dictionary<string, int> { ["CallSkipped"] = 1001, ["PropertyDropped"] = 1002, ["CallFailed"] = 1004, ["DryRun"] = 2005 };
        var levels = new Dictionary<int, LogLevel> { [1001] = LogLevel.Warning, [1002] = LogLevel.Warning, [1004] = LogLevel.Error, [2005] = LogLevel.Information };

        var problems = Check(EventIdTable(page), constants, levels);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("PropertyDropped = 1002", StringComparison.Ordinal) && p.Contains("no row", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("row 1003 names KissEfEventId.CallFailed, which is 1004", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("row 2005", StringComparison.Ordinal) && p.Contains("at Information", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("row 2099", StringComparison.Ordinal) && p.Contains("no KissEfEventId constant", StringComparison.Ordinal));
    }

    [Fact]
    public void The_category_table_lists_the_categories_KissEf_logs_under_and_nothing_else()
    {
        // The categories are what users filter on: they keep their names when the types that log move.
        var page = File.ReadAllLines(Path.Combine(Repository.Root(), "docs", "logging.md"));
        var heading = Array.FindIndex(page, l => l.Trim() == "## Categories");
        Assert.True(heading >= 0, "docs/logging.md has no \"## Categories\" section");
        var listed = page.Skip(heading + 1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => l.Split('|')[1].Split(',').Select(c => c.Trim().Trim('`')))
            .Order(StringComparer.Ordinal)
            .ToList();
        var logged = typeof(KissTrackingOptions).Assembly.GetType("KissEf.Internal.Logging.KissLogCategories", throwOnError: true)!
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(logged, listed);
    }

    [Fact]
    public void A_page_without_the_table_fails()
    {
        Assert.Throws<Xunit.Sdk.FailException>(() => EventIdTable(["# Logging", "", "No table here."]));
    }

    /// <summary>The rows of the table under "## Event ids": id, constant name, level.</summary>
    private static List<(int Id, string Constant, string Level)> EventIdTable(IReadOnlyList<string> page)
    {
        var heading = page.ToList().FindIndex(l => l.Trim() == "## Event ids");
        var header = heading < 0 ? -1 : page.ToList().FindIndex(heading, l => l.TrimStart().StartsWith("| id |", StringComparison.Ordinal));
        if (header < 0)
        {
            Assert.Fail("docs/logging.md has no table under '## Event ids' whose header starts with '| id |'.");
        }

        var rows = new List<(int, string, string)>();
        for (var i = header + 2; i < page.Count && page[i].TrimStart().StartsWith('|'); i++)
        {
            var cells = page[i].Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            rows.Add((int.Parse(cells[0], CultureInfo.InvariantCulture), cells[1].Trim('`'), cells[2]));
        }

        return rows;
    }

    private static List<string> Check(List<(int Id, string Constant, string Level)> rows, IReadOnlyDictionary<string, int> constants, IReadOnlyDictionary<int, LogLevel> levels)
    {
        var problems = new List<string>();
        foreach (var (name, id) in constants)
        {
            if (!rows.Any(r => r.Constant == name))
            {
                problems.Add($"KissEfEventId.{name} = {id} has no row in the table of docs/logging.md.");
            }
        }

        foreach (var row in rows)
        {
            if (constants.TryGetValue(row.Constant, out var id))
            {
                if (id != row.Id)
                {
                    problems.Add($"The row {row.Id} names KissEfEventId.{row.Constant}, which is {id}.");
                }
            }
            else if (constants.FirstOrDefault(c => c.Value == row.Id) is { Key: { } name })
            {
                problems.Add($"The row {row.Id} names KissEfEventId.{row.Constant}, which does not exist; {row.Id} is {name}.");
            }
            else
            {
                problems.Add($"The row {row.Id} ({row.Constant}) has no KissEfEventId constant of that id.");
            }

            if (levels.TryGetValue(row.Id, out var level) && level.ToString() != row.Level)
            {
                problems.Add($"The row {row.Id} says {row.Level}; KissEf logs it at {level}.");
            }
        }

        if (rows.Count != rows.Select(r => r.Id).Distinct().Count())
        {
            problems.Add("An id has more than one row.");
        }

        return problems;
    }

    /// <summary>The constants of <see cref="KissEfEventId"/>: name to id.</summary>
    private static Dictionary<string, int> Constants()
        => typeof(KissEfEventId).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

    /// <summary>The level of each id's message, from the <c>[LoggerMessage]</c> methods of KissEf's <c>KissLog</c>.</summary>
    private static Dictionary<int, LogLevel> Levels()
        => typeof(KissTrackingOptions).Assembly.GetType("KissEf.Internal.Logging.KissLog", throwOnError: true)!
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToDictionary(a => a.EventId, a => a.Level);
}
