using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Vcsp.Cli;

/// <summary>
/// Console output for code that runs under a host's lock (the demo's datagram taps print every datagram as it is
/// sent): a line is queued, and a task of its own writes the lines in order, so no console I/O happens under the lock.
/// Bounded: a line that finds 10,000 waiting is counted, and the count is printed at the end.
/// </summary>
internal sealed class QueuedLines : TextWriter
{
    private readonly TextWriter _output;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { SingleReader = true });
    private readonly StringBuilder _partial = new();
    private readonly Task _writing;
    private long _lost;

    public QueuedLines(TextWriter output)
    {
        _output = output;
        _writing = Task.Run(WriteAsync);
    }

    public override Encoding Encoding => _output.Encoding;

    public override void Write(char value)
    {
        lock (_partial)
        {
            if (value != '\n')
            {
                _partial.Append(value);
                return;
            }

            Enqueue(_partial.ToString());
            _partial.Clear();
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_partial)
        {
            Enqueue(_partial.Append(value).ToString());
            _partial.Clear();
        }
    }

    /// <summary>Writes what is queued and stops; says how many lines were lost, if any.</summary>
    public async Task DrainAsync()
    {
        lock (_partial)
        {
            if (_partial.Length > 0)
            {
                Enqueue(_partial.ToString());
                _partial.Clear();
            }
        }

        _lines.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        if (Interlocked.Read(ref _lost) is > 0 and var lost)
        {
            _output.WriteLine($"({lost} lines not printed: the console fell behind)");
        }

        _output.Flush();
    }

    private void Enqueue(string line)
    {
        if (!_lines.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    private async Task WriteAsync()
    {
        await foreach (var line in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _output.WriteLine(line);
        }
    }
}
