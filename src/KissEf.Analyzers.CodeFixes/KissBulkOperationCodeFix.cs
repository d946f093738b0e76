using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KissEf.Analyzers;

/// <summary>
/// The fix of KISS001: renames <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>(<c>Async</c>) to the tracked method with the
/// same arguments (<c>ExecuteUpdateTracked</c>, …), which KissEf declares in <c>Microsoft.EntityFrameworkCore</c>, the
/// namespace a file calling EF's bulk operations already imports.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KissBulkOperationCodeFix))]
[Shared]
internal sealed class KissBulkOperationCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [KissDiagnostics.UntrackedBulkOperation.Id];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(KissDiagnostics.TrackedMethodProperty, out var tracked) || tracked is null
                || root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not SimpleNameSyntax name
                || !await CanCallAsync(context.Document, name, tracked, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use {tracked}",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(name, Renamed(name, tracked)))),
                    // One key for the four methods: "fix all" then renames every bulk operation of a mapped type.
                    equivalenceKey: nameof(KissBulkOperationCodeFix)),
                diagnostic);
        }
    }

    /// <summary>
    /// Whether <paramref name="tracked"/> can be called where <paramref name="name"/> is, on the same receiver: a KissEf
    /// without the tracked methods (or a file without their namespace) gets no fix that would not compile.
    /// </summary>
    private static async Task<bool> CanCallAsync(Document document, SimpleNameSyntax name, string tracked, CancellationToken cancellationToken)
    {
        if (name.Parent is not MemberAccessExpressionSyntax access
            || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
            || model.GetTypeInfo(access.Expression, cancellationToken).Type is not { } receiver)
        {
            return false;
        }

        return !model.LookupSymbols(name.SpanStart, receiver, tracked, includeReducedExtensionMethods: true).IsEmpty;
    }

    /// <summary><paramref name="name"/> with another identifier, its type arguments and trivia kept.</summary>
    private static SimpleNameSyntax Renamed(SimpleNameSyntax name, string tracked)
        => name.WithIdentifier(SyntaxFactory.Identifier(name.Identifier.LeadingTrivia, tracked, name.Identifier.TrailingTrivia));
}
