using Vcsp.Cli;
using Xunit;

namespace VcspGen.Tests;

/// <summary><see cref="TerminalHistory"/>: what Up and Down put in the terminal client's input line.</summary>
public sealed class TerminalHistoryTests
{
    [Fact]
    public void UpGoesToOlderLinesAndDownComesBackToTheDraft()
    {
        var history = new TerminalHistory();
        history.Add("first");
        history.Add("second");
        Assert.Equal("second", history.Older("half typ"));
        Assert.Equal("first", history.Older("second"));
        Assert.Null(history.Older("first")); // the oldest: stays
        Assert.Equal("second", history.Newer());
        Assert.Equal("half typ", history.Newer()); // the line being typed when Up was first pressed
        Assert.Null(history.Newer());
    }

    [Fact]
    public void EmptyLinesAndRepeatsAreNotKeptAndTheOldestGoPastCapacity()
    {
        var history = new TerminalHistory(capacity: 2);
        history.Add("a");
        history.Add("a");
        history.Add(string.Empty);
        Assert.Equal(1, history.Count);
        history.Add("b");
        history.Add("c");
        Assert.Equal(2, history.Count);
        Assert.Equal("c", history.Older(string.Empty));
        Assert.Equal("b", history.Older("c"));
        Assert.Null(history.Older("b"));
    }

    [Fact]
    public void EnteringALineGoesBackBelowTheNewest()
    {
        var history = new TerminalHistory();
        history.Add("one");
        Assert.Equal("one", history.Older(string.Empty));
        history.Add("two");
        Assert.Null(history.Newer());
        Assert.Equal("two", history.Older(string.Empty));
    }
}
