using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>A process's console output, written from its threads and read from the test's.</summary>
internal sealed class Terminal
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string _who;
    private readonly StringWriter _text = new() { NewLine = "\n" };

    public Terminal(string who)
    {
        _who = who;
        Writer = TextWriter.Synchronized(_text); // its methods lock this wrapper, so Text locks it too
    }

    public TextWriter Writer { get; }

    public string Text
    {
        get
        {
            lock (Writer)
            {
                return _text.ToString();
            }
        }
    }

    public async Task WaitForAsync(string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!Text.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_who} did not print '{text}':\n{Text}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
