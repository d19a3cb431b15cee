using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace VcspGen.Generator.Parsing;

/// <summary>
/// A symbol's XML doc <c>&lt;summary&gt;</c> as one line of plain text, for the models (which hold no symbols).
/// Reads the compiler's documentation XML, or the <c>///</c> lines of the declaration when the compilation does not
/// parse documentation comments.
/// </summary>
internal static class DocSummary
{
    private static readonly Regex Summary = new(@"<summary>(?<text>.*?)</summary>", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex Reference = new(@"<(?:see|seealso)\s+(?:cref|langword|href)\s*=\s*""(?<name>[^""]*)""\s*/>", RegexOptions.CultureInvariant);
    private static readonly Regex NameReference = new(@"<(?:paramref|typeparamref)\s+name\s*=\s*""(?<name>[^""]*)""\s*/>", RegexOptions.CultureInvariant);
    private static readonly Regex Tag = new(@"<[^>]*>", RegexOptions.CultureInvariant);
    private static readonly Regex Space = new(@"\s+", RegexOptions.CultureInvariant);

    public static string Of(ISymbol symbol, CancellationToken cancellationToken)
    {
        var xml = symbol.GetDocumentationCommentXml(cancellationToken: cancellationToken);
        if (string.IsNullOrWhiteSpace(xml))
        {
            xml = FromComments(symbol, cancellationToken);
        }

        return Flatten(xml ?? string.Empty);
    }

    /// <summary>Plain text of the first <c>&lt;summary&gt;</c> in <paramref name="xml"/>, or empty.</summary>
    public static string Flatten(string xml)
    {
        var match = Summary.Match(xml);
        if (!match.Success)
        {
            return string.Empty;
        }

        var text = match.Groups["text"].Value;
        text = Reference.Replace(text, m => ShortName(m.Groups["name"].Value));
        text = NameReference.Replace(text, m => m.Groups["name"].Value);
        text = Tag.Replace(text, string.Empty);
        text = text
            .Replace("&lt;", "<")
            .Replace("&gt;", ">")
            .Replace("&quot;", "\"")
            .Replace("&apos;", "'")
            .Replace("&amp;", "&");
        return Space.Replace(text, " ").Trim();
    }

    /// <summary><c>T:VcspGen.Spec.JoinRequest.PaddedSize</c> or <c>JoinRequest.PaddedSize</c> → <c>PaddedSize</c>.</summary>
    private static string ShortName(string reference)
    {
        var name = reference.Length > 2 && reference[1] == ':' ? reference.Substring(2) : reference;
        var generic = name.IndexOfAny(new[] { '{', '(', '`' });
        if (generic >= 0)
        {
            name = name.Substring(0, generic);
        }

        var dot = name.LastIndexOf('.');
        return dot >= 0 ? name.Substring(dot + 1) : name;
    }

    /// <summary>The <c>///</c> lines before the declaration, for compilations that do not parse doc comments.</summary>
    private static string? FromComments(ISymbol symbol, CancellationToken cancellationToken)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            // A field's declarator sits inside the field declaration, which owns the comments.
            var syntax = reference.GetSyntax(cancellationToken);
            var node = (SyntaxNode?)syntax.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? syntax;

            var lines = new StringBuilder();
            foreach (var trivia in node.GetLeadingTrivia())
            {
                foreach (var line in trivia.ToFullString().Split('\n'))
                {
                    var trimmed = line.Trim();
                    if (trimmed.StartsWith("///", System.StringComparison.Ordinal))
                    {
                        lines.Append(trimmed.Substring(3)).Append('\n');
                    }
                }
            }

            if (lines.Length > 0)
            {
                return lines.ToString();
            }
        }

        return null;
    }
}
