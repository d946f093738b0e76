using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KissEf.Analyzers;

/// <summary>
/// An analyzer of method calls in a compilation that references KissEf (KISS002, KISS003): registers nothing, and so
/// costs nothing, in one that does not.
/// </summary>
internal abstract class KissInvocationAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KissSymbols.From(start.Compilation) is { } symbols)
            {
                start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
            }
        });
    }

    /// <summary>Looks at one invocation (<see cref="OperationAnalysisContext.Operation"/>).</summary>
    protected abstract void Analyze(OperationAnalysisContext context, KissSymbols symbols);
}
