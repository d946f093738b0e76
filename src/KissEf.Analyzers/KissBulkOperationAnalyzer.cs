using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KissEf.Analyzers;

/// <summary>
/// KISS001: EF Core's <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> (and <c>Async</c>) on a queryable of an entity type
/// that has a KissEf map in the compilation (a class implementing <c>IKissEntityTypeConfiguration&lt;T&gt;</c>, or an
/// inline <c>KissTrackingBuilder.Entity&lt;T&gt;(…)</c>). Those statements bypass SaveChanges, so the map's calls are
/// silently lost; the tracked forms make them. Maps declared in other assemblies are not seen: the analyzer reads its
/// own compilation only, and issue 18's run-time warning is the net for the rest.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class KissBulkOperationAnalyzer : DiagnosticAnalyzer
{
    /// <summary>EF Core's bulk operations and the tracked method (names fixed by issue 18) that replaces each.</summary>
    public static readonly ImmutableDictionary<string, string> TrackedMethods = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ExecuteUpdate"] = "ExecuteUpdateTracked",
        ["ExecuteUpdateAsync"] = "ExecuteUpdateTrackedAsync",
        ["ExecuteDelete"] = "ExecuteDeleteTracked",
        ["ExecuteDeleteAsync"] = "ExecuteDeleteTrackedAsync",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [KissDiagnostics.UntrackedBulkOperation];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KissSymbols.From(start.Compilation) is not { } symbols)
            {
                return;
            }

            // Computed at the first bulk operation, once per compilation: most compilations have none.
            var compilation = start.Compilation;
            var cancellationToken = start.CancellationToken;
            var mapped = new Lazy<ImmutableHashSet<ITypeSymbol>>(() => KissMappedTypes.Find(compilation, symbols, cancellationToken));
            start.RegisterOperationAction(c => Analyze(c, mapped), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, Lazy<ImmutableHashSet<ITypeSymbol>> mapped)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!TrackedMethods.TryGetValue(method.Name, out var tracked)
            || !method.IsExtensionMethod
            || method.ContainingNamespace?.ToDisplayString() != "Microsoft.EntityFrameworkCore"
            || method.TypeArguments.Length != 1
            || !mapped.Value.Contains(method.TypeArguments[0]))
        {
            return;
        }

        // Called as an extension (q.ExecuteDelete()): the code fix renames it. Called as a static method of EF's class,
        // the tracked method lives in another class: reported, not fixed.
        var name = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } ? access.Name : null;
        var reduced = name is not null
            && invocation.SemanticModel?.GetSymbolInfo(invocation.Syntax, context.CancellationToken).Symbol is IMethodSymbol { ReducedFrom: not null };
        var properties = reduced
            ? ImmutableDictionary<string, string?>.Empty.Add(KissDiagnostics.TrackedMethodProperty, tracked)
            : ImmutableDictionary<string, string?>.Empty;
        var entity = method.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        context.ReportDiagnostic(Diagnostic.Create(
            KissDiagnostics.UntrackedBulkOperation,
            (name ?? invocation.Syntax).GetLocation(),
            properties,
            method.Name,
            entity,
            tracked));
    }
}
