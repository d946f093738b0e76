using System.Globalization;
using System.Text;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>One line of the final table.</summary>
public sealed record ResultRow(string Id, string Benchmark, string Baseline, string Measured, string BenchmarkDotNet, string Target, bool? Met, string Notes);

/// <summary>The closing table: each measured ratio next to its target (issue 4).</summary>
public sealed class ResultTable
{
    private readonly List<ResultRow> _rows = [];

    public void Add(ResultRow row) => _rows.Add(row);

    public string ToMarkdown(string title)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        text.AppendLine();
        text.AppendLine("| # | benchmark | baseline | ratio | BDN ratio | target | met? | notes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in _rows.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var met = row.Met switch { true => "yes", false => "**NO**", null => "n/a" };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Id} | {row.Benchmark} | {row.Baseline} | {row.Measured} | {row.BenchmarkDotNet} | {row.Target} | {met} | {row.Notes} |");
        }

        return text.ToString();
    }
}
