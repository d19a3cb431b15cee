namespace VcspGen.Runtime;

/// <summary>
/// Implemented by the group events given to a <see cref="VcspClientHost"/> that want to know when their handlers fell
/// so far behind that the host's bounded event queue was full and events were dropped.
/// </summary>
public interface IClientEventsLag
{
    /// <summary>Events were dropped because the queue was full; called before the next event that is delivered.</summary>
    /// <param name="count">How many were dropped since the last report.</param>
    void OnEventsDropped(long count);
}
