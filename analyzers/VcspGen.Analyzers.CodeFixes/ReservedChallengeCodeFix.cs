using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace VcspGen.Analyzers.CodeFixes;

/// <summary>
/// Fixes VCSP010: replaces a raw reserved challenge value (0x00FF / 0xFFFF, or a constant of the user's that holds
/// one) with <c>VcspChallenge.FirstContact</c> or <c>VcspChallenge.None</c>, with a cast where the target type needs
/// one; and VCSP011 where the packet's rule names exactly one value (FirstContact or None): that value. The namespace
/// is added as a qualifier and simplified away where <c>using VcspGen;</c> is in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReservedChallengeCodeFix))]
[Shared]
public sealed class ReservedChallengeCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(UsageDiagnostics.RawReservedChallenge.Id, UsageDiagnostics.ChallengeRefusedByRule.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            return root is null ? document : await ReplaceAsync(document, root, diagnostics, context.CancellationToken).ConfigureAwait(false);
        });

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Replacement(root, diagnostic) is not { } found)
            {
                continue;
            }

            var title = "Use VcspChallenge." + found.Name;
            context.RegisterCodeFix(
                CodeAction.Create(title, token => ReplaceAsync(context.Document, root, ImmutableArray.Create(diagnostic), token), equivalenceKey: title),
                diagnostic);
        }
    }

    private static (ExpressionSyntax Raw, string Name, string? CastTo)? Replacement(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(UsageDiagnostics.ConstantName, out var name) || name is null
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax raw)
        {
            return null;
        }

        diagnostic.Properties.TryGetValue(UsageDiagnostics.CastTo, out var castTo);
        return (raw, name, castTo);
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var replacements = new Dictionary<SyntaxNode, ExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (Replacement(root, diagnostic) is not { } found)
            {
                continue;
            }

            ExpressionSyntax constant = SyntaxFactory.ParseExpression("global::VcspGen.VcspChallenge." + found.Name).WithAdditionalAnnotations(Simplifier.Annotation);
            if (found.CastTo is not null)
            {
                constant = SyntaxFactory.CastExpression(SyntaxFactory.ParseTypeName(found.CastTo), constant);
            }

            replacements[found.Raw] = constant.WithTriviaFrom(found.Raw).WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        }

        var changed = document.WithSyntaxRoot(root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]));
        return await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
