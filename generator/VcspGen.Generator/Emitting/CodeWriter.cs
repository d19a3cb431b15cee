using System.Text;

namespace VcspGen.Generator.Emitting;

/// <summary>
/// A small indenting text writer for generated C#. Lines end with "\n" on every platform. Blank lines are
/// written lazily, so there is never more than one in a row, none after an opening brace and none before a
/// closing one; a blank line follows every closed block unless the next line closes its parent.
/// </summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;
    private bool _blankPending;
    private bool _afterOpen;

    public CodeWriter Line(string line = "")
    {
        if (line.Length == 0)
        {
            _blankPending = !_afterOpen && _text.Length > 0;
            return this;
        }

        if (_blankPending && !line.TrimStart().StartsWith("}", System.StringComparison.Ordinal))
        {
            _text.Append('\n');
        }

        _blankPending = false;
        _afterOpen = false;
        _text.Append(' ', _indent * 4).Append(line).Append('\n');
        return this;
    }

    public CodeWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        _afterOpen = true;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return Line();
    }

    public override string ToString()
    {
        _blankPending = false;
        return _text.ToString();
    }
}
