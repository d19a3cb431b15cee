using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VcspGen.Benchmarks;

/// <summary>
/// <see cref="ClusterRelay"/>'s job and columns: one invocation per iteration (so each <see cref="ClusterRelay.Latency"/>
/// iteration is one message, and the percentiles are of messages), 500 iterations after 50 of warm-up, and the P50 and P99
/// of the iterations.
/// </summary>
public sealed class ClusterRelayConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public ClusterRelayConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(50).WithIterationCount(500).WithInvocationCount(1).WithUnrollFactor(1));
        AddColumn(StatisticColumn.P50, new PercentileColumn(99), StatisticColumn.Max);
    }

    /// <summary>A percentile of the iterations that BenchmarkDotNet's own columns lack (it has P95, not P99).</summary>
    private sealed class PercentileColumn(int percentile) : IColumn
    {
        public string Id => "Percentile." + percentile.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public string ColumnName => "P" + percentile.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => $"Percentile {percentile} of the iterations";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            return statistics is null ? "NA" : (statistics.Percentiles.Percentile(percentile) / 1000.0).ToString("N1", System.Globalization.CultureInfo.InvariantCulture) + " us";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
