using System;
using System.Globalization;
using System.IO;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VcspGen.Benchmarks;

/// <summary>
/// Adds to <see cref="MediaRelay"/>: packets per second and datagrams sent per second for the throughput runs, and the
/// p50 and p99 of the per-packet latencies (µs) for the latency runs.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each case in a process of its own and builds the summary in the host process, so the latency
/// runs hand their percentiles over in files: the host names a fresh folder (under the artifacts folder) in the
/// environment variable <see cref="MediaRelay.LatencyFolderVariable"/>, which the benchmark processes inherit; each
/// latency case writes <c>{method}-{receivers}.txt</c> there in its <c>[GlobalCleanup]</c>, and the columns read it.
/// </remarks>
public sealed class MediaRelayConfig : ManualConfig
{
    /// <summary>Creates the configuration (in the host process: also the folder for the latency percentiles).</summary>
    public MediaRelayConfig()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(MediaRelay.LatencyFolderVariable)))
        {
            var run = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            Environment.SetEnvironmentVariable(
                MediaRelay.LatencyFolderVariable,
                Path.GetFullPath(Path.Combine(DefaultConfig.Instance.ArtifactsPath, "media-relay-latency", run)));
        }

        AddColumn(
            new RateColumn("Pkts/s", perReceiver: false),
            new RateColumn("Sent dgrams/s", perReceiver: true),
            new PercentileColumn("p50 us", 0),
            new PercentileColumn("p99 us", 1));
    }

    /// <summary>Where a latency case leaves its percentiles.</summary>
    /// <param name="folder">The run's folder.</param>
    /// <param name="method">The benchmark method.</param>
    /// <param name="receivers">The case's <see cref="MediaRelay.Receivers"/>.</param>
    /// <returns>The file's path.</returns>
    public static string LatencyFile(string folder, string method, int receivers) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{method}-{receivers}.txt"));

    private static bool IsThroughput(BenchmarkCase benchmarkCase) =>
        Array.IndexOf(benchmarkCase.Descriptor.Categories, MediaRelay.Throughput) >= 0;

    private static int Receivers(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters[nameof(MediaRelay.Receivers)] is int receivers ? receivers : 0;

    /// <summary>Throughput runs: packets per second from the mean, optionally times the number of receivers.</summary>
    private sealed class RateColumn(string name, bool perReceiver) : IColumn
    {
        public string Id => nameof(RateColumn) + "." + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => perReceiver ? 1 : 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => perReceiver
            ? "Throughput runs: datagrams the relay sends per second (packets per second times Receivers)"
            : "Throughput runs: packets relayed to every receiver per second (1 s / Mean)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (!IsThroughput(benchmarkCase))
            {
                return "-";
            }

            if (mean is not > 0)
            {
                return "NA";
            }

            var rate = 1e9 / mean.Value;
            if (perReceiver)
            {
                rate *= Receivers(benchmarkCase);
            }

            return rate.ToString("N0", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }

    /// <summary>Latency runs: a percentile of the per-receiver, per-packet latencies, as the case left it.</summary>
    private sealed class PercentileColumn(string name, int index) : IColumn
    {
        public string Id => nameof(PercentileColumn) + "." + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 2 + index;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Latency runs: " + name.Split(' ')[0]
            + " of the time from the sender's send to a receiver's arrival, per receiver and packet, measured iterations only (µs)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (IsThroughput(benchmarkCase))
            {
                return "-";
            }

            var folder = Environment.GetEnvironmentVariable(MediaRelay.LatencyFolderVariable);
            var file = string.IsNullOrEmpty(folder) ? null : LatencyFile(folder, benchmarkCase.Descriptor.WorkloadMethod.Name, Receivers(benchmarkCase));
            if (file is null || !File.Exists(file))
            {
                return "NA";
            }

            var fields = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > index ? fields[index] : "NA";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
