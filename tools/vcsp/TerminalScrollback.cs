using System;
using System.Collections.Generic;
using Terminal.Gui.Drawing;
using Terminal.Gui.Text;
using Terminal.Gui.ViewBase;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Vcsp.Cli;

/// <summary>
/// The terminal client's scrollback: every line with its time (HH:mm:ss), newest at the bottom, long lines wrapped,
/// coloured by kind unless colour is off (<c>NO_COLOR</c>). The text comes already made safe by
/// <see cref="ConsoleEvents"/> (<see cref="TerminalText"/>); this view only lays it out.
/// </summary>
internal sealed class TerminalScrollback : View
{
    private const int Capacity = 5_000;
    private const int Indent = 9; // "HH:mm:ss "
    private readonly List<Entry> _entries = [];
    private readonly bool _colour;
    private int _back;

    /// <summary>A view that colours (<paramref name="colour"/>) or not.</summary>
    public TerminalScrollback(bool colour)
    {
        _colour = colour;
        CanFocus = false;
    }

    /// <summary>How many rows the view is scrolled back from the newest (0: following the newest).</summary>
    public int RowsBack => _back;

    /// <summary>Adds a line (on the UI thread).</summary>
    public void Add(string time, ConsoleEvents.LineKind kind, string text, int nameEnd)
    {
        _entries.Add(new Entry(time, kind, text, nameEnd));
        if (_entries.Count > Capacity)
        {
            _entries.RemoveAt(0);
        }

        SetNeedsDraw();
    }

    /// <summary>Scrolls by <paramref name="rows"/> (positive: back, to older lines); never past the oldest or the newest.</summary>
    public void Scroll(int rows)
    {
        _back = Math.Max(0, _back + rows);
        SetNeedsDraw();
    }

    /// <inheritdoc />
    protected override bool OnDrawingContent(DrawContext? context)
    {
        var width = Math.Max(Indent + 1, Viewport.Width);
        var height = Viewport.Height;
        var normal = GetAttributeForRole(VisualRole.Normal);

        // Lay out from the newest back, just far enough for the screen and the rows scrolled back.
        var rows = new List<Row>();
        for (var i = _entries.Count - 1; i >= 0 && rows.Count < height + _back; i--)
        {
            var entryRows = Layout(_entries[i], width, normal);
            rows.InsertRange(0, entryRows);
        }

        _back = Math.Min(_back, Math.Max(0, rows.Count - height));
        var first = Math.Max(0, rows.Count - height - _back);
        for (var y = 0; y < height; y++)
        {
            Move(0, y);
            var used = 0;
            if (first + y < rows.Count)
            {
                foreach (var (text, attribute) in rows[first + y].Segments)
                {
                    SetAttribute(attribute);
                    AddStr(text);
                    used += text.GetColumns();
                }
            }

            SetAttribute(normal);
            AddStr(new string(' ', Math.Max(0, Viewport.Width - used)));
        }

        return true;
    }

    private List<Row> Layout(Entry entry, int width, Attribute normal)
    {
        var time = _colour ? WithForeground(normal, ColorName16.DarkGray) : normal;
        var name = _colour ? WithForeground(normal, entry.Kind == ConsoleEvents.LineKind.Own ? ColorName16.BrightCyan : ColorName16.BrightGreen) : normal;
        var body = _colour ? WithForeground(normal, entry.Kind switch
        {
            ConsoleEvents.LineKind.Message => ColorName16.White,
            ConsoleEvents.LineKind.Own => ColorName16.Cyan,
            ConsoleEvents.LineKind.Direct => ColorName16.BrightMagenta,
            ConsoleEvents.LineKind.Reply => ColorName16.Gray,
            ConsoleEvents.LineKind.Problem => ColorName16.BrightRed,
            _ => ColorName16.Yellow,
        }) : normal;

        var rows = new List<Row>();
        var row = new Row();
        row.Add(entry.Time + " ", time);
        var columns = Indent;
        var offset = 0;
        foreach (var rune in entry.Text.EnumerateRunes())
        {
            var index = offset;
            offset += rune.Utf16SequenceLength;
            if (rune.Value == '\n')
            {
                rows.Add(row);
                row = new Row();
                row.Add(new string(' ', Indent), normal);
                columns = Indent;
                continue;
            }

            var cells = Math.Max(0, rune.GetColumns());
            if (columns + cells > width)
            {
                rows.Add(row);
                row = new Row();
                row.Add(new string(' ', Indent), normal);
                columns = Indent;
            }

            row.Add(rune.ToString(), index < entry.NameEnd ? name : body);
            columns += cells;
        }

        rows.Add(row);
        return rows;
    }

    private static Attribute WithForeground(Attribute normal, ColorName16 colour) => new(new Color(colour), normal.Background);

    private readonly record struct Entry(string Time, ConsoleEvents.LineKind Kind, string Text, int NameEnd);

    /// <summary>One screen row: runs of text, each in one attribute.</summary>
    private sealed class Row
    {
        public List<(string Text, Attribute Attribute)> Segments { get; } = [];

        public void Add(string text, Attribute attribute)
        {
            if (Segments.Count > 0 && Segments[^1].Attribute == attribute)
            {
                Segments[^1] = (Segments[^1].Text + text, attribute);
            }
            else
            {
                Segments.Add((text, attribute));
            }
        }
    }
}
