using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KissEf.Analyzers;

/// <summary>
/// KISS002: a watched member (<c>OnChanged</c>, <c>AliasOnChange</c>, both sides of <c>Alias</c>, the member of
/// <c>WithOriginal</c>) written as a lambda whose body is not a chain of properties or fields of the entity: a
/// method call, an indexer, <c>EF.Property</c>, a conversion. KissEf compares or sends such a member as it was before
/// the save, which only a member path has; start-up refuses the others too, and keeps doing so for maps the analyzer
/// cannot see (an expression built at run time). Stricter than start-up on one point, as issue 18 asks: an explicit
/// cast (<c>e =&gt; (object)e.Plan</c>) is refused here, where start-up unwraps it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class KissWatchedMemberAnalyzer : KissInvocationAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [KissDiagnostics.WatchedMemberNotPath];

    protected override void Analyze(OperationAnalysisContext context, KissSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var watchesAll = KissSymbols.Declares(symbols.EntityBuilder, method) && method.Name is "OnChanged" or "AliasOnChange" or "Alias";
        var watchesMember = KissSymbols.Declares(symbols.EventBuilder, method) && method.Name == "WithOriginal";
        if (!watchesAll && !watchesMember)
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (watchesMember && argument.Parameter?.Name != "member")
            {
                continue;
            }

            // OnChanged's params array: one lambda per element.
            var values = argument.Value is IArrayCreationOperation { Initializer: { } initializer } && argument.ArgumentKind == ArgumentKind.ParamArray
                ? initializer.ElementValues
                : [argument.Value];
            foreach (var value in values)
            {
                Check(context, value.Syntax, invocation.SemanticModel);
            }
        }
    }

    private static void Check(OperationAnalysisContext context, SyntaxNode syntax, SemanticModel? model)
    {
        // A variable or a method that returns an expression: built at run time, left to start-up.
        var (parameter, body) = syntax switch
        {
            SimpleLambdaExpressionSyntax simple => (simple.Parameter.Identifier.ValueText, simple.ExpressionBody),
            ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 } parenthesized
                => (parenthesized.ParameterList.Parameters[0].Identifier.ValueText, parenthesized.ExpressionBody),
            _ => (null, null),
        };
        if (parameter is null || body is null || model is null)
        {
            return;
        }

        if (WhyNotPath(body, parameter, model, context.CancellationToken) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(KissDiagnostics.WatchedMemberNotPath, body.GetLocation(), syntax.ToString(), reason));
        }
    }

    /// <summary>Null when <paramref name="body"/> is <c>x.A</c>, <c>x.A.B</c>, …; else what it is instead.</summary>
    private static string? WhyNotPath(ExpressionSyntax body, string parameter, SemanticModel model, CancellationToken cancellationToken)
    {
        var node = Unwrap(body);
        var members = 0;
        while (node is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access)
        {
            if (model.GetSymbolInfo(access, cancellationToken).Symbol is not (IPropertySymbol { IsStatic: false } or IFieldSymbol { IsStatic: false }))
            {
                return "a static member or a method group";
            }

            members++;
            node = Unwrap(access.Expression);
        }

        if (node is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == parameter)
        {
            return members > 0 ? null : "the entity itself";
        }

        return node switch
        {
            InvocationExpressionSyntax call when model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol
            {
                Name: "Property",
                ContainingType: { Name: "EF", ContainingNamespace: { Name: "EntityFrameworkCore", ContainingNamespace.Name: "Microsoft" } },
            } => "EF.Property (a shadow property has no member path; watch it by a member the entity has)",
            InvocationExpressionSyntax => "a method call",
            ElementAccessExpressionSyntax => "an indexer",
            CastExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression } => "a conversion",
            _ => "an expression other than a member of the entity",
        };
    }

    /// <summary>Parentheses and <c>!</c> change nothing in an expression tree.</summary>
    private static ExpressionSyntax Unwrap(ExpressionSyntax node)
    {
        while (true)
        {
            switch (node)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    node = parenthesized.Expression;
                    break;
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed:
                    node = suppressed.Operand;
                    break;
                default:
                    return node;
            }
        }
    }
}
