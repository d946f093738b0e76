using System.Diagnostics;
using System.Text.Json;
using KissEf.Tests.Support;

namespace KissEf.Tests.Backfill;

/// <summary>The sample app's command, as docs/backfill.md gives it: <c>dotnet run --project src/SampleApp -- backfill --export out.jsonl</c>.</summary>
public sealed class SampleBackfillCommandTests
{
    [Fact]
    public async Task The_sample_exports_its_history_as_the_vendors_import_lines()
    {
        var sample = ChildDotnet.RecordedAssembly("KissEfSampleAppPath");
        var folder = Directory.CreateTempSubdirectory("kissef-sample-");
        try
        {
            var start = new ProcessStartInfo(ChildDotnet.Host())
            {
                WorkingDirectory = folder.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { sample, "backfill", "--export", "out.jsonl" })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output}{await error}");

            var lines = await File.ReadAllLinesAsync(Path.Combine(folder.FullName, "out.jsonl"));

            // Ann's legacy id aliased to her email, then the three orders of the history, dated by the orders.
            Assert.Equal(4, lines.Length);
            using var alias = JsonDocument.Parse(lines[0]);
            Assert.Equal("legacy-1001", alias.RootElement.GetProperty("_p").GetString());
            Assert.Equal("ann@example.com", alias.RootElement.GetProperty("_p2").GetString());
            Assert.Equal("""{"_p":"ann@example.com","_n":"Purchased","order id":"1","amount":"120.0","_t":1700818200}""", lines[1]);
            Assert.Equal("""{"_p":"ann@example.com","_n":"Purchased","order id":"2","amount":"35.5","_t":1706979900}""", lines[2]);
            Assert.Equal("""{"_p":"bob@example.com","_n":"Purchased","order id":"3","amount":"9.99","_t":1720958400}""", lines[3]);
            Assert.Contains("Signed Up", await output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
