using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace KissEf.Analyzers.Tests.Docs;

/// <summary>
/// docs/analyzer.md against the analyzer: its samples (Docs/AnalyzerPageSamples.cs, whose regions the page shows) get
/// exactly the diagnostics their comments name, the pragma and the attribute suppress KISS001, and so does the
/// .editorconfig line the page gives.
/// </summary>
public sealed partial class AnalyzerPageTests
{
    [Fact]
    public async Task The_page_samples_get_exactly_the_diagnostics_their_comments_name()
    {
        var source = Sample();
        var tree = CSharpSyntaxTree.ParseText(source, path: "AnalyzerPageSamples.cs");
        var usings = CSharpSyntaxTree.ParseText("global using System; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;");
        var compilation = CSharpCompilation.Create(
            "Samples",
            [tree, usings],
            KissAnalyzerTest.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new KissBulkOperationAnalyzer(), new KissWatchedMemberAnalyzer(), new KissNameAnalyzer());
        var reported = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();

        var lines = source.Split('\n');
        var expected = lines
            .Select((line, i) => (Line: i + 1, Marker: Marker().Match(line)))
            .Where(l => l.Marker.Success)
            .Select(l => $"{l.Line} {l.Marker.Groups[1].Value}")
            .Order(StringComparer.Ordinal);
        var actual = reported
            .Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + 1} {d.Id}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.Equal(4, expected.Count());
    }

    [Fact]
    public Task The_editorconfig_line_of_the_page_turns_KISS001_off()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<KissBulkOperationAnalyzer, DefaultVerifier>
        {
            TestCode = "global using System; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;\n" + Sample(),
        };
        KissAnalyzerTest.Configure(test.TestState);
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*.cs]\ndotnet_diagnostic.KISS001.severity = none\n"));
        return test.RunAsync();
    }

    private static string Sample()
    {
        using var stream = typeof(AnalyzerPageTests).Assembly.GetManifestResourceStream("AnalyzerPageSamples.cs")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"// (KISS00\d):")]
    private static partial Regex Marker();
}
