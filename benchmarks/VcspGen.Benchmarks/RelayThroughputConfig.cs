using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VcspGen.Benchmarks;

/// <summary>
/// Adds throughput columns to <see cref="RelayThroughput"/>: messages per second (one per operation) and datagrams
/// sent per second by the relay (messages times <see cref="RelayThroughput.Members"/>).
/// </summary>
public sealed class RelayThroughputConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public RelayThroughputConfig()
    {
        AddColumn(new RateColumn("Msgs/s", perMember: false), new RateColumn("Sent dgrams/s", perMember: true));
    }

    /// <summary>Operations (messages) per second from the mean, optionally times the number of members.</summary>
    private sealed class RateColumn(string name, bool perMember) : IColumn
    {
        public string Id => nameof(RateColumn) + "." + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => perMember ? 1 : 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => perMember
            ? "Datagrams the relay sends per second: messages per second times Members"
            : "Messages relayed to every member per second (1 s / Mean)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (mean is not > 0)
            {
                return "NA";
            }

            var rate = 1e9 / mean.Value;
            if (perMember && benchmarkCase.Parameters[nameof(RelayThroughput.Members)] is int members)
            {
                rate *= members;
            }

            return rate.ToString("N0", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
