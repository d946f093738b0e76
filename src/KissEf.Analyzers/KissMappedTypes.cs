using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KissEf.Analyzers;

/// <summary>
/// The entity types a compilation maps with KissEf: the <c>T</c> of every class that implements
/// <c>IKissEntityTypeConfiguration&lt;T&gt;</c>, and of every <c>KissTrackingBuilder.Entity&lt;T&gt;(…)</c> call.
/// Computed once per compilation, for KISS001.
/// </summary>
internal static class KissMappedTypes
{
    /// <summary>The mapped entity types of <paramref name="compilation"/>'s own source.</summary>
    public static ImmutableHashSet<ITypeSymbol> Find(Compilation compilation, KissSymbols symbols, CancellationToken cancellationToken)
    {
        var mapped = ImmutableHashSet.CreateBuilder<ITypeSymbol>(SymbolEqualityComparer.Default);
        if (symbols.Configuration is { } configuration)
        {
            AddConfigured(compilation.Assembly.GlobalNamespace, configuration, mapped, cancellationToken);
        }

        if (symbols.TrackingBuilder is { } trackingBuilder)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                AddInline(compilation, tree, trackingBuilder, mapped, cancellationToken);
            }
        }

        return mapped.ToImmutable();
    }

    private static void AddConfigured(INamespaceOrTypeSymbol container, INamedTypeSymbol configuration, ImmutableHashSet<ITypeSymbol>.Builder mapped, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var member in container.GetMembers())
        {
            if (member is INamedTypeSymbol type)
            {
                foreach (var implemented in type.AllInterfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, configuration))
                    {
                        mapped.Add(implemented.TypeArguments[0]);
                    }
                }
            }

            if (member is INamespaceOrTypeSymbol inner)
            {
                AddConfigured(inner, configuration, mapped, cancellationToken);
            }
        }
    }

    private static void AddInline(Compilation compilation, SyntaxTree tree, INamedTypeSymbol trackingBuilder, ImmutableHashSet<ITypeSymbol>.Builder mapped, CancellationToken cancellationToken)
    {
        SemanticModel? model = null;
        foreach (var invocation in tree.GetRoot(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            // A syntactic filter first: only x.Entity<T>(…) is bound.
            if (invocation.Expression is not MemberAccessExpressionSyntax { Name: GenericNameSyntax { Identifier.ValueText: "Entity", TypeArgumentList.Arguments.Count: 1 } })
            {
                continue;
            }

            // The maps of other files decide this file's diagnostics, so another tree's model is needed; it binds
            // only the few Entity<T> calls the filter keeps.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
            model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method
                && SymbolEqualityComparer.Default.Equals(method.ContainingType, trackingBuilder))
            {
                mapped.Add(method.TypeArguments[0]);
            }
        }
    }
}
