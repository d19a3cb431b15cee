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
/// Fixes VCSP013 where the buffer's size is written as an array or stackalloc size (in the call, or in the local's or
/// field's declaration): the size becomes the packet's <c>MaxDatagramSize</c>. Slices (<c>AsSpan(i, N)</c>) get no
/// fix: a larger slice could run past its array.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BufferSizeCodeFix))]
[Shared]
public sealed class BufferSizeCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(UsageDiagnostics.BufferTooSmall.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

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
            if (!diagnostic.Properties.TryGetValue(UsageDiagnostics.PacketType, out var packet) || packet is null
                || diagnostic.AdditionalLocations.Count != 1 || diagnostic.AdditionalLocations[0].SourceTree != root.SyntaxTree
                || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax size)
            {
                continue;
            }

            var title = "Size the buffer with " + packet.Replace("global::", string.Empty) + ".MaxDatagramSize";
            context.RegisterCodeFix(CodeAction.Create(title, token => ReplaceAsync(context.Document, root, size, packet, token), equivalenceKey: nameof(BufferSizeCodeFix)), diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode root, ExpressionSyntax size, string packet, CancellationToken cancellationToken)
    {
        var replacement = SyntaxFactory.ParseExpression(packet + ".MaxDatagramSize")
            .WithTriviaFrom(size)
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        var changed = document.WithSyntaxRoot(root.ReplaceNode(size, replacement));
        return await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
