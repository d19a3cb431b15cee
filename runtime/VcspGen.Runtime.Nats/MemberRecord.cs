using System.Text.Json.Serialization;

namespace VcspGen.Runtime.Nats;

/// <summary>A member's record in its group's bucket (PROTOCOL.md §15.3): what the other nodes list it with.</summary>
internal sealed class MemberRecord
{
    /// <summary>Its name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>Its node.</summary>
    [JsonPropertyName("node")]
    public string Node { get; set; } = string.Empty;

    /// <summary>Its address and port, as its node sees it.</summary>
    [JsonPropertyName("address")]
    public string Address { get; set; } = string.Empty;

    /// <summary>Whether it took the owner's name.</summary>
    [JsonPropertyName("admin")]
    public bool IsAdministrator { get; set; }

    /// <summary>When it joined, Unix milliseconds.</summary>
    [JsonPropertyName("joined")]
    public long JoinedAt { get; set; }
}

/// <summary>The records' JSON, generated at build time (no reflection).</summary>
[JsonSerializable(typeof(MemberRecord))]
internal sealed partial class ClusterJson : JsonSerializerContext;
