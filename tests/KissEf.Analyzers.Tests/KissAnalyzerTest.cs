using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace KissEf.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and a code fix) over a test source with Roslyn's test framework, compiled against the assemblies
/// of this test run (the .NET runtime, KissEf, EF Core) rather than reference packs downloaded at test time: the tests
/// need no network, and they see the real KissEf API, so a renamed builder method fails them.
/// </summary>
internal static class KissAnalyzerTest
{
    /// <summary>Every assembly of the running test host, as compile references (read once).</summary>
    public static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)),
    ]);

    /// <summary>Checks that <typeparamref name="TAnalyzer"/> reports exactly the <c>{|KISS00n:…|}</c> spans of <paramref name="source"/>.</summary>
    public static Task VerifyAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        Configure(test.TestState);
        return test.RunAsync();
    }

    /// <summary>Checks the diagnostics of <paramref name="source"/>, and that the code fix turns it into <paramref name="fixedSource"/>.</summary>
    /// <param name="source">The code, its diagnostics marked.</param>
    /// <param name="fixedSource">The code once fixed (the same when no fix is offered).</param>
    public static Task VerifyFixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource };
        Configure(test.TestState);
        Configure(test.FixedState);
        return test.RunAsync();
    }

    /// <summary>Gives <paramref name="state"/> the references of this test run (KissEf's own, with its tracked methods, among them).</summary>
    public static void Configure(SolutionState state)
    {
        // No reference pack: the references are the running host's assemblies (see References).
        state.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        state.AdditionalReferences.AddRange(References.Value);
    }
}
