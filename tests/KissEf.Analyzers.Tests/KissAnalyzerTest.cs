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

    /// <summary>
    /// Stubs of the tracked bulk operations (issue 18, item 1) for the code fix's fixed source, until KissEf declares
    /// them; once it does, the real ones are used and the stubs would make the calls ambiguous.
    /// </summary>
    public static string? TrackedMethodStubs =>
        typeof(KissTrackingBuilder).Assembly.GetTypes().Any(t => t.GetMethods().Any(m => m.Name == "ExecuteUpdateTrackedAsync"))
            ? null
            : """
              namespace Microsoft.EntityFrameworkCore
              {
                  using System;
                  using System.Linq;
                  using System.Threading;
                  using System.Threading.Tasks;
                  using Microsoft.EntityFrameworkCore.Query;

                  public static class TrackedBulkStubs
                  {
                      public static int ExecuteUpdateTracked<T>(this IQueryable<T> source, Action<UpdateSettersBuilder<T>> setters) => 0;
                      public static Task<int> ExecuteUpdateTrackedAsync<T>(this IQueryable<T> source, Action<UpdateSettersBuilder<T>> setters, CancellationToken cancellationToken = default) => Task.FromResult(0);
                      public static int ExecuteDeleteTracked<T>(this IQueryable<T> source) => 0;
                      public static Task<int> ExecuteDeleteTrackedAsync<T>(this IQueryable<T> source, CancellationToken cancellationToken = default) => Task.FromResult(0);
                  }
              }
              """;

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
    /// <param name="trackedMethods">False: no stubs of the tracked methods (a KissEf without them).</param>
    public static Task VerifyFixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, bool trackedMethods = true)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource };
        Configure(test.TestState, trackedMethods);
        Configure(test.FixedState, trackedMethods);
        return test.RunAsync();
    }

    /// <summary>Gives <paramref name="state"/> the references of this test run (and, unless told not to, the tracked-method stubs).</summary>
    public static void Configure(SolutionState state, bool trackedMethods = true)
    {
        // No reference pack: the references are the running host's assemblies (see References).
        state.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        state.AdditionalReferences.AddRange(References.Value);
        if (trackedMethods && TrackedMethodStubs is { } stubs)
        {
            state.Sources.Add(("TrackedBulkStubs.cs", stubs));
        }
    }
}
