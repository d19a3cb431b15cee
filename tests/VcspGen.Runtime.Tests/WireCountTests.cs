using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace VcspGen.Runtime.Tests;

/// <summary>
/// Datagrams on the wire per delivery, counted on a manual clock (issue 12, item 2): on a clean link at most 1.3 times
/// the minimum (one Syn in and one Msg out per receiving member for each datagram of a message), for a burst and for
/// sporadic chat, with 3 and 32 members; under 10 % loss with duplication and reordering, still exactly once and in
/// order, at most twice the minimum. Everything but the join counts: Acks, keepalives, resends, Errors.
/// </summary>
public sealed class WireCountTests(ITestOutputHelper output)
{
    /// <summary>The messages of a test: every third one two datagrams long.</summary>
    private static string Text(int sender, int i) =>
        string.Create(CultureInfo.InvariantCulture, $"{sender} {i:D3} ") + (i % 3 == 2 ? new string('x', 150) : "short");

    [Theory]
    [InlineData(3, false)]
    [InlineData(32, false)]
    [InlineData(3, true)]
    [InlineData(32, true)]
    public void OnACleanLinkTheWireCarriesAtMostOnePointThreeTimesTheMinimum(int members, bool sporadic)
    {
        var lab = new WireLab(members);
        lab.JoinAll();
        var before = lab.Sent;
        var senders = sporadic ? 1 : 3;
        var count = sporadic ? 20 : 100;
        var minimum = Run(lab, senders, count, sporadic ? TimeSpan.FromSeconds(3) : TimeSpan.Zero);
        var ratio = (lab.Sent - before) / (double)minimum;
        output.WriteLine($"{members} members, {(sporadic ? "sporadic" : "burst")}: {lab.Sent - before} datagrams for a minimum of {minimum}: {ratio:F3}; " +
            string.Join(", ", lab.SentByFlag.OrderBy(f => f.Key).Select(f => $"0x{f.Key:X2}={f.Value}")));
        Assert.True(ratio <= 1.3, $"{ratio:F3} times the minimum");
    }

    [Theory]
    [InlineData(3, 7)]
    [InlineData(32, 7)]
    [InlineData(3, 11)]
    [InlineData(32, 11)]
    public void UnderTenPercentLossWithDuplicationAndReorderingDeliveryIsExactlyOnceInOrderAtMostTwiceTheMinimum(int members, int seed)
    {
        var lab = new WireLab(members, drop: 0.1, duplicate: 0.05, reorder: 0.1, seed: seed);
        lab.JoinAll();
        var before = lab.Sent;
        var minimum = Run(lab, 3, 100, TimeSpan.Zero);
        var ratio = (lab.Sent - before) / (double)minimum;
        output.WriteLine($"{members} members, lossy burst: {lab.Sent - before} datagrams for a minimum of {minimum}: {ratio:F3}; " +
            string.Join(", ", lab.SentByFlag.OrderBy(f => f.Key).Select(f => $"0x{f.Key:X2}={f.Value}")) + $"; took {TimeSpan.FromTicks(lab.Time.GetTimestamp() - TimeSpan.TicksPerDay)}");
        Assert.True(ratio <= 2.0, $"{ratio:F3} times the minimum");
    }

    /// <summary>
    /// Sends <paramref name="count"/> messages from each of the first <paramref name="senders"/> members (at once, or one
    /// every <paramref name="interval"/>), runs until every member has every other member's messages, checks they came
    /// exactly once and in order, and returns the minimum number of datagrams that delivery needs.
    /// </summary>
    private static long Run(WireLab lab, int senders, int count, TimeSpan interval)
    {
        var members = lab.Members.Count;
        long minimum = 0;
        var next = new int[senders];
        bool SendSome()
        {
            var all = true;
            for (var s = 0; s < senders; s++)
            {
                while (next[s] < count && lab.Members[s].Session.TrySend(Encoding.UTF8.GetBytes(Text(s, next[s]))))
                {
                    var bytes = Encoding.UTF8.GetByteCount(Text(s, next[s]));
                    minimum += Fragmentation.CountFragments(bytes, Fragmentation.ChunkSize(("m" + s).Length)) * (long)members; // one Syn in, one Msg to each other member
                    next[s]++;
                    if (interval > TimeSpan.Zero)
                    {
                        break;
                    }
                }

                all &= next[s] == count;
            }

            lab.Pump();
            return all;
        }

        bool Delivered() => lab.Members.Select((m, i) => m.Events.Messages.Count == (senders - (i < senders ? 1 : 0)) * count).All(x => x);
        if (interval > TimeSpan.Zero)
        {
            for (var i = 0; i < count; i++)
            {
                SendSome();
                lab.RunFor(interval);
            }
        }
        else
        {
            Assert.True(
                lab.RunUntil(() => SendSome() && Delivered(), TimeSpan.FromMinutes(5)),
                $"not everything was sent and delivered in 5 minutes: sent {string.Join(",", next)}, received {string.Join(",", lab.Members.Select(m => m.Events.Messages.Count))}, " +
                $"queued {string.Join(",", lab.Members.Take(senders).Select(m => m.Session.SendQueueLength))}, log {lab.Server.RelayLogCount}, states {string.Join(",", lab.Members.Select(m => m.Session.State).Distinct())}, ends {string.Join(";", lab.Members.SelectMany(m => m.Events.Ends))}, abandoned {string.Join(",", lab.Members.Select(m => m.Session.AbandonedMessages))}, lost {string.Join(",", lab.Members.Select(m => m.Session.LostDatagrams))}");
        }

        Assert.True(lab.RunUntil(Delivered, TimeSpan.FromMinutes(1)), "not delivered: " + string.Join(", ", lab.Members.Select(m => m.Events.Messages.Count)));
        foreach (var (session, events) in lab.Members)
        {
            for (var s = 0; s < senders; s++)
            {
                if (session.Name != "m" + s)
                {
                    Assert.Equal(Enumerable.Range(0, count).Select(i => Text(s, i)), events.Messages.Where(m => m.Sender == "m" + s).Select(m => m.Text));
                }
            }

            Assert.Equal(0, events.Lost);
            Assert.Equal(0, events.Undelivered);
        }

        return minimum;
    }
}
