namespace VcspGen.Runtime;

/// <summary>What <see cref="MessageReassembly.Add"/> did with a fragment.</summary>
internal enum ReassemblyResult
{
    /// <summary>The fragment was stored; the message is not complete yet.</summary>
    Accepted,

    /// <summary>The fragment was stored and completed the message.</summary>
    Complete,

    /// <summary>This fragment was already held; nothing changed.</summary>
    Duplicate,

    /// <summary>
    /// The fragment does not belong to this message or contradicts it (its offset disagrees with its sequence
    /// number, it lies beyond the final fragment, or a second final arrived); nothing changed.
    /// </summary>
    Inconsistent,

    /// <summary>The fragment carries more data than a fragment may; nothing changed.</summary>
    TooLong,

    /// <summary>
    /// A final fragment (0xFF) that came before every fragment ahead of it. A final fragment carries no number, so
    /// until the ones before it are there it cannot be told from the final fragment of a later message whose first
    /// fragments were lost; nothing changed. Ask for the missing ones (<see cref="MessageReassembly.TryGetFirstMissing"/>)
    /// and the final fragment again.
    /// </summary>
    Early,
}
