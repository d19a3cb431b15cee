using BenchmarkDotNet.Running;

namespace VcspGen.Benchmarks;

/// <summary>Runs the suites: <c>dotnet run -c Release --project benchmarks/VcspGen.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point; arguments go to BenchmarkDotNet's switcher.</summary>
    /// <param name="args">BenchmarkDotNet arguments, such as <c>--filter</c> and <c>--job</c>.</param>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
