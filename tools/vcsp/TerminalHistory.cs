using System.Collections.Generic;

namespace Vcsp.Cli;

/// <summary>
/// The terminal client's input history: Up goes to older lines, Down back to newer ones and, past the newest, to the
/// line that was being typed when Up was first pressed. A line equal to the one before it is kept once.
/// </summary>
internal sealed class TerminalHistory(int capacity = 500)
{
    private readonly List<string> _lines = [];
    private int _position;
    private string _draft = string.Empty;

    /// <summary>How many lines are kept.</summary>
    public int Count => _lines.Count;

    /// <summary>Remembers a line that was entered, and goes back to the end (below the newest).</summary>
    public void Add(string line)
    {
        if (line.Length > 0 && (_lines.Count == 0 || _lines[^1] != line))
        {
            _lines.Add(line);
            if (_lines.Count > capacity)
            {
                _lines.RemoveAt(0);
            }
        }

        _position = _lines.Count;
        _draft = string.Empty;
    }

    /// <summary>The line before the one shown (Up), or null at the oldest; <paramref name="current"/> is what the input line holds.</summary>
    public string? Older(string current)
    {
        if (_position == 0)
        {
            return null;
        }

        if (_position == _lines.Count)
        {
            _draft = current;
        }

        return _lines[--_position];
    }

    /// <summary>The line after the one shown (Down), the draft past the newest, or null when already there.</summary>
    public string? Newer()
    {
        if (_position >= _lines.Count)
        {
            return null;
        }

        _position++;
        return _position == _lines.Count ? _draft : _lines[_position];
    }
}
