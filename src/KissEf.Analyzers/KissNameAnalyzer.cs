using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KissEf.Analyzers;

/// <summary>
/// KISS003: a constant event name (<c>Record("…")</c>) or property name (<c>With</c>, <c>WithOriginal</c>, <c>Set</c>)
/// that the vendor refuses, or a property name given twice in one call chain. The same rules and words as KissEf's
/// start-up check (KissMapRules), which stays: it also sees names that are not constants.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class KissNameAnalyzer : KissInvocationAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [KissDiagnostics.InvalidName];

    protected override void Analyze(OperationAnalysisContext context, KissSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (KissSymbols.Declares(symbols.TriggerBuilder, method) && method.Name == "Record")
        {
            if (ConstantName(invocation) is { } eventName && KissNameRules.CheckName(eventName.Name) is { } rule)
            {
                Report(context, eventName.Syntax, $"Event name \"{eventName.Name}\" is invalid: {rule}");
            }

            return;
        }

        if (!AddsProperty(symbols, method) || ConstantName(invocation) is not { } property)
        {
            return;
        }

        if (KissNameRules.CheckName(property.Name) is { } propertyRule)
        {
            Report(context, property.Syntax, $"Property name \"{property.Name}\" is invalid: {propertyRule}");
        }
        else if (EarlierNames(symbols, invocation).Contains(property.Name, StringComparer.OrdinalIgnoreCase))
        {
            Report(context, property.Syntax, $"Property \"{property.Name}\" appears twice in one call (names are case-insensitive on the server)");
        }
    }

    /// <summary>With, WithOriginal (events) and Set (a property set, its first or a later one): each adds a named property.</summary>
    private static bool AddsProperty(KissSymbols symbols, IMethodSymbol method)
        => (KissSymbols.Declares(symbols.EventBuilder, method) && method.Name is "With" or "WithOriginal")
            || (method.Name == "Set" && (KissSymbols.Declares(symbols.PropertySetBuilder, method) || KissSymbols.Declares(symbols.TriggerBuilder, method)));

    /// <summary>
    /// The constant property names of the calls before <paramref name="invocation"/> in its chain, back to the
    /// <c>Record</c> or first <c>Set</c> that starts the call (a chain of one trigger can start several calls).
    /// </summary>
    private static IEnumerable<string> EarlierNames(KissSymbols symbols, IInvocationOperation invocation)
    {
        if (KissSymbols.Declares(symbols.TriggerBuilder, invocation.TargetMethod))
        {
            yield break;
        }

        var receiver = invocation.Instance;
        while (receiver is IInvocationOperation earlier)
        {
            var method = earlier.TargetMethod;
            if (AddsProperty(symbols, method) && ConstantName(earlier) is { } name)
            {
                yield return name.Name;
            }

            if (KissSymbols.Declares(symbols.TriggerBuilder, method)
                || !(KissSymbols.Declares(symbols.EventBuilder, method) || KissSymbols.Declares(symbols.PropertySetBuilder, method)))
            {
                yield break;
            }

            receiver = earlier.Instance;
        }
    }

    /// <summary>The first argument (the name) when it is a constant string.</summary>
    private static (string Name, SyntaxNode Syntax)? ConstantName(IInvocationOperation invocation)
    {
        var argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0);
        return argument?.Value.ConstantValue is { HasValue: true, Value: string name }
            ? (name, argument.Syntax)
            : null;
    }

    private static void Report(OperationAnalysisContext context, SyntaxNode syntax, string message)
        => context.ReportDiagnostic(Diagnostic.Create(KissDiagnostics.InvalidName, syntax.GetLocation(), message));
}
