using System;
using System.Threading;
using System.Threading.Tasks;

namespace VcspGen.Runtime;

/// <summary>
/// Starts a body of work on a background thread of its own, for loops that block in socket calls (the event loops
/// of <see cref="UdpHost"/>, the UDP receive loop of <see cref="Sip.SipEndpoint"/>): such a loop keeps its socket out of
/// .NET's epoll thread and off the thread pool.
/// </summary>
internal static class DedicatedThread
{
    /// <summary>Runs <paramref name="body"/> on a new background thread; the task ends (or faults) with it.</summary>
    /// <param name="name">The thread's name, as debuggers and <c>/proc</c> show it.</param>
    /// <param name="body">The loop.</param>
    /// <param name="onFault">Called on the thread when <paramref name="body"/> throws, before the task faults.</param>
    /// <returns>A task that completes when <paramref name="body"/> returns.</returns>
    public static Task Start(string name, Action body, Action<Exception>? onFault = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                onFault?.Invoke(e);
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
