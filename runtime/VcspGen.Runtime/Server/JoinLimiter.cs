using System;

namespace VcspGen.Runtime;

/// <summary>
/// Bounds the answers a group gives to join requests (PROTOCOL.md §13.2, §13.3): token buckets per source address
/// (its IP, whatever the port) and for the whole group. A source is mapped to one of a fixed number of buckets by a
/// keyed hash, so memory is bounded whatever the number of sources (two sources that share a bucket share its rate:
/// the limit errs on the strict side). The buckets are allocated with the first join request.
/// </summary>
/// <param name="perSource">Answers per second to one source address.</param>
/// <param name="overall">Answers per second to all sources together.</param>
/// <param name="time">The clock.</param>
internal sealed class JoinLimiter(double perSource, double overall, TimeProvider time)
{
    private const int Buckets = 1024;
    private static readonly int Key = System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);

    private Bucket[] _sources = [];
    private Bucket _overall = new(2 * overall, 0);

    /// <summary>Whether an answer to <paramref name="source"/> may be sent now; if so, it is counted.</summary>
    /// <param name="source">The join request's source.</param>
    /// <returns>False when the source, or the group, is over its rate.</returns>
    public bool TryAcquire(in VcspAddress source)
    {
        if (_sources.Length == 0)
        {
            _sources = new Bucket[Buckets];
            for (var i = 0; i < Buckets; i++)
            {
                _sources[i] = new Bucket(2 * perSource, 0);
            }
        }

        var now = time.GetTimestamp();
        ref var bucket = ref _sources[Index(source)];
        if (!Refill(ref bucket, perSource, now).HasToken || !Refill(ref _overall, overall, now).HasToken)
        {
            return false;
        }

        bucket.Tokens--;
        _overall.Tokens--;
        return true;
    }

    private ref Bucket Refill(ref Bucket bucket, double rate, long now)
    {
        var seconds = bucket.At == 0 ? double.MaxValue : (now - bucket.At) / (double)time.TimestampFrequency;
        bucket.Tokens = Math.Min(2 * rate, bucket.Tokens + (seconds * rate));
        bucket.At = now;
        return ref bucket;
    }

    private static int Index(in VcspAddress source)
    {
        Span<byte> bytes = stackalloc byte[16];
        source.TryWriteAddressBytes(bytes, out var length);
        var hash = new HashCode();
        hash.Add(Key);
        hash.AddBytes(bytes[..length]);
        return (int)((uint)hash.ToHashCode() % Buckets);
    }

    /// <summary>A token bucket: its tokens (at most twice the rate: a burst of two seconds' worth) and when it was last filled.</summary>
    private struct Bucket(double tokens, long at)
    {
        public double Tokens = tokens;
        public long At = at;

        public readonly bool HasToken => Tokens >= 1;
    }
}
