using BenchmarkDotNet.Running;

namespace VcspGen.Benchmarks;

/// <summary>
/// Runs the suites: <c>dotnet run -c Release --project benchmarks/VcspGen.Benchmarks -- --filter '*'</c>; or the group
/// delivery soak: <c>... -- soak [--members 1000] [--senders 10] [--messages 100]</c> (<see cref="GroupSoak"/>).
/// </summary>
public static class Program
{
    /// <summary>Entry point; arguments go to BenchmarkDotNet's switcher.</summary>
    /// <param name="args">BenchmarkDotNet arguments, such as <c>--filter</c> and <c>--job</c>; or <c>soak</c> and its options.</param>
    /// <returns>0, or the soak's exit code.</returns>
    public static int Main(string[] args)
    {
        if (args is ["soak", ..])
        {
            return GroupSoak.Run(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
