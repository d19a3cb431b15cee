using System;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>The host's event queue hands the new reports (losses, undelivered messages, rejoining) to the application, in order, their spans copied.</summary>
public sealed class EventQueueTests
{
    [Fact]
    public async Task LossUndeliveredAndRejoiningReachTheHandlerInOrderWithTheirBytesCopied()
    {
        var events = new RecordingEvents();
        var queue = new EventQueue(16, events, new NoDirectMessages(), null);
        var member = "carol"u8.ToArray();
        queue.OnRelayLost(3);
        queue.OnUndelivered(member, 10, 12);
        member[0] = (byte)'X'; // the queue kept its own copy
        queue.OnRejoining(2, TimeSpan.FromSeconds(2));
        queue.Complete();
        await queue.DispatchAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["lost 3", "undelivered to carol: 10..12", "rejoining 2 in 2 s"], events.Log);
    }

    private sealed class NoDirectMessages : IDirectMessageEvents
    {
        public void OnDirectMessage(in VcspAddress peer, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> message, bool firstContact)
        {
        }
    }
}
