using System;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Tests;

/// <summary>Waits for a condition that another thread or process makes true, and fails the test naming it.</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="done"/> every 10 ms until it holds, at most <paramref name="patience"/>.</summary>
    /// <param name="done">The condition.</param>
    /// <param name="what">What it means, for the failure.</param>
    /// <param name="patience">How long it may take.</param>
    /// <returns>A task that ends when it holds.</returns>
    public static async Task UntilAsync(Func<bool> done, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out: " + what);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
