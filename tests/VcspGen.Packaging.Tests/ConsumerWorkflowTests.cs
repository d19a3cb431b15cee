using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using Xunit;

namespace VcspGen.Packaging.Tests;

/// <summary>
/// The user's workflow, from the packages only (issue 6): pack, reference VcspGen and VcspGen.Runtime from a fresh
/// project outside the repository, declare a packet kind, build (the generator runs from the package), run, and get
/// the analyzers' diagnostics in the build.
/// </summary>
public sealed class ConsumerWorkflowTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public void PackagesHoldTheLibrariesTheRoslynComponentsAndTheirMetadata()
    {
        var vcspGen = Entries(feed.PackagePath("VcspGen"));
        foreach (var expected in new[]
        {
            "lib/net10.0/VcspGen.dll", "lib/net10.0/VcspGen.xml", "README.md",
            "analyzers/dotnet/cs/VcspGen.Generator.dll", "analyzers/dotnet/cs/VcspGen.Analyzers.dll", "analyzers/dotnet/cs/VcspGen.Analyzers.CodeFixes.dll",
        })
        {
            Assert.True(vcspGen.Contains(expected), $"VcspGen lacks {expected}: {string.Join(", ", vcspGen)}");
        }

        var runtime = Entries(feed.PackagePath("VcspGen.Runtime"));
        foreach (var expected in new[] { "lib/net10.0/VcspGen.Runtime.dll", "lib/net10.0/VcspGen.Runtime.xml", "lib/net10.0/VcspGen.Spec.dll", "lib/net10.0/VcspGen.Spec.xml", "README.md" })
        {
            Assert.True(runtime.Contains(expected), $"VcspGen.Runtime lacks {expected}: {string.Join(", ", runtime)}");
        }

        Assert.Contains("lib/net10.0/VcspGen.pdb", Entries(feed.PackagePath("VcspGen", symbols: true)));
        var runtimeSymbols = Entries(feed.PackagePath("VcspGen.Runtime", symbols: true));
        Assert.Contains("lib/net10.0/VcspGen.Runtime.pdb", runtimeSymbols);
        Assert.Contains("lib/net10.0/VcspGen.Spec.pdb", runtimeSymbols);

        // VcspGen depends on nothing (the Roslyn components are inside it); the runtime depends on VcspGen at the
        // same version and on its NuGet dependencies, not on VcspGen.Spec, which it carries.
        var (vcspGenLicense, vcspGenDependencies) = Nuspec(feed.PackagePath("VcspGen"));
        Assert.Equal("MIT", vcspGenLicense);
        Assert.Empty(vcspGenDependencies);
        var (runtimeLicense, runtimeDependencies) = Nuspec(feed.PackagePath("VcspGen.Runtime"));
        Assert.Equal("MIT", runtimeLicense);
        Assert.Equal(feed.Version, runtimeDependencies.GetValueOrDefault("VcspGen"));
        // Abstractions only (logging, and for AddVcspServer: DI, hosting, options, IMeterFactory).
        string[] abstractions =
        [
            "Microsoft.Extensions.Logging.Abstractions",
            "Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Hosting.Abstractions",
            "Microsoft.Extensions.Options",
            "Microsoft.Extensions.Diagnostics.Abstractions",
        ];
        Assert.All(abstractions, name => Assert.True(runtimeDependencies.ContainsKey(name), string.Join(", ", runtimeDependencies.Keys)));
        Assert.Equal(1 + abstractions.Length, runtimeDependencies.Count);

        // Every package says where it comes from and what changed, with the project's icon inside it.
        foreach (var id in new[] { "VcspGen", "VcspGen.Runtime", "VcspGen.Tool" })
        {
            var metadata = Metadata(feed.PackagePath(id));
            Assert.Equal("https://github.com/vcspgen/vcspgen", metadata.GetValueOrDefault("projectUrl"));
            Assert.Equal("https://github.com/vcspgen/vcspgen.git", metadata.GetValueOrDefault("repository.url"));
            Assert.Equal("git", metadata.GetValueOrDefault("repository.type"));
            Assert.Equal("icon.png", metadata.GetValueOrDefault("icon"));
            Assert.StartsWith(feed.Version + ": see CHANGELOG.md", metadata.GetValueOrDefault("releaseNotes"), StringComparison.Ordinal);
            Assert.Equal("README.md", metadata.GetValueOrDefault("readme"));
            var entries = Entries(feed.PackagePath(id));
            Assert.Contains("icon.png", entries);
            Assert.Contains("README.md", entries);
        }
    }

    [Fact]
    public async Task TheVcspToolInstallsFromThePackedFolderIntoAFreshToolPathAndRuns()
    {
        var entries = Entries(feed.PackagePath("VcspGen.Tool"));
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
        Assert.Contains("tools/net10.0/any/vcsp.dll", entries);

        var vcsp = await InstallToolAsync("tool-path");

        var version = await DotnetCli.RunProgramAsync(vcsp, feed.Root, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "--version");
        Assert.True(version.ExitCode == 0 && version.Output.TrimStart().StartsWith(feed.Version, StringComparison.Ordinal), "vcsp --version. " + version.Describe());

        var help = await DotnetCli.RunProgramAsync(vcsp, feed.Root, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "server", "--help");
        Assert.True(help.ExitCode == 0 && help.Output.Contains("--config <FILE>", StringComparison.Ordinal), "vcsp server --help. " + help.Describe());

        var demo = await DotnetCli.RunProgramAsync(vcsp, feed.Root, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "demo", "--codecs");
        Assert.True(demo.ExitCode == 0 && demo.Output.Contains("= MSG from alice", StringComparison.Ordinal), "vcsp demo --codecs. " + demo.Describe());

        var wrong = await DotnetCli.RunProgramAsync(vcsp, feed.Root, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "server", "--port=none");
        Assert.True(wrong.ExitCode == 2, "vcsp server --port=none. " + wrong.Describe());
    }

    [Fact]
    public async Task AConsumerDeclaresAPacketBuildsWithTheGeneratorFromThePackageAndRuns()
    {
        var folder = Path.Combine(feed.Root, "consumer");
        ConsumerApp.Write(folder, feed.Feed, feed.Version);

        var build = await BuildConsumerAsync(folder);
        Assert.True(build.ExitCode == 0, "The consumer did not build. " + build.Describe());

        // The packages came from the feed into the consumer's private packages folder, and the generator that wrote
        // Nudge's codec is the one in the VcspGen package.
        var generatorInPackage = Path.Combine(feed.ConsumerPackages, "vcspgen", feed.Version.ToLowerInvariant(), "analyzers", "dotnet", "cs", "VcspGen.Generator.dll");
        Assert.True(File.Exists(generatorInPackage), $"No {generatorInPackage}. " + build.Describe());
        var generated = Path.Combine(folder, "obj", "Debug", "net10.0", "generated", "VcspGen.Generator");
        var generatedFiles = Directory.Exists(generated) ? Directory.EnumerateFiles(generated, "*.cs", SearchOption.AllDirectories).Select(Path.GetFileName).ToList() : [];
        Assert.True(generatedFiles.Any(f => f!.Contains("Nudge", StringComparison.Ordinal)), $"No generated Nudge source under {generated}: {string.Join(", ", generatedFiles)}");

        var run = await RunConsumerAsync(folder);
        Assert.True(run.ExitCode == 0, "The consumer failed. " + run.Describe());
        Assert.True(run.Output.Split('\n').Contains(ConsumerApp.SuccessLine), "The consumer did not print its success line. " + run.Describe());
    }

    [Fact]
    public async Task ARawReservedChallengeInTheConsumerFailsItsBuildWithVcsp010()
    {
        var folder = Path.Combine(feed.Root, "consumer-reserved");
        ConsumerApp.Write(folder, feed.Feed, feed.Version);
        ConsumerApp.AddRawReservedChallenge(folder);

        // The consumer sets TreatWarningsAsErrors, so VCSP010 fails the build whether it is a warning or an error.
        var build = await BuildConsumerAsync(folder);
        var diagnostics = build.Output.Split('\n').Where(l => l.Contains("VCSP010", StringComparison.Ordinal)).ToList();
        Assert.True(
            diagnostics.Any(l => l.Contains(ConsumerApp.ReservedChallengeFile, StringComparison.Ordinal)),
            $"No VCSP010 reported in {ConsumerApp.ReservedChallengeFile}. " + build.Describe());
        Assert.True(build.ExitCode != 0, "The build succeeded despite VCSP010. " + build.Describe());
    }

    [Fact]
    public async Task TheCodeFixFromThePackageRewritesTheRawChallengeAndVcsp011ThenNamesTheRealMistake()
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = Path.Combine(feed.Root, "consumer-fix");
        ConsumerApp.Write(folder, feed.Feed, feed.Version);
        ConsumerApp.AddRawReservedChallenge(folder);
        var file = Path.Combine(folder, ConsumerApp.ReservedChallengeFile);

        // dotnet format applies the code fixes that the project's analyzer packages carry, as an IDE's "Fix all" does.
        var format = await DotnetAsync(folder, BuildTimeout, "format", "analyzers", ConsumerApp.AssemblyName + ".csproj", "--diagnostics", "VCSP010", "--severity", "warn");
        Assert.True(format.ExitCode == 0, "dotnet format failed. " + format.Describe());
        var fixedText = await File.ReadAllTextAsync(file, cancel);
        Assert.Contains("Challenge = VcspGen.VcspChallenge.None", fixedText, StringComparison.Ordinal);
        Assert.DoesNotContain("0xFFFF", fixedText, StringComparison.Ordinal);

        // The value is now named, so VCSP010 is gone; and a member packet cannot carry None, which VCSP011 says.
        var build = await BuildConsumerAsync(folder);
        Assert.DoesNotContain("VCSP010", build.Output, StringComparison.Ordinal);
        Assert.True(
            build.Output.Split('\n').Any(l => l.Contains("VCSP011", StringComparison.Ordinal) && l.Contains(ConsumerApp.ReservedChallengeFile, StringComparison.Ordinal)),
            "No VCSP011 after the fix. " + build.Describe());
        Assert.True(build.ExitCode != 0, "The build succeeded despite VCSP011. " + build.Describe());
    }

    /// <summary>
    /// The C# samples of a package's README (PACKAGE.md, packed as README.md) build in a fresh consumer that references
    /// only the packages, warnings as errors and the analyzers on, and print what their comments say.
    /// </summary>
    [Theory]
    [InlineData("spec/VcspGen/PACKAGE.md", "3")]
    [InlineData("runtime/VcspGen.Runtime/PACKAGE.md", "ping 7, ")]
    public async Task APackagesReadmeSamplesBuildAndRunInAConsumer(string readme, string printed)
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = Path.Combine(feed.Root, "samples-" + Path.GetFileName(Path.GetDirectoryName(readme)));
        ConsumerApp.Write(folder, feed.Feed, feed.Version);
        File.Delete(Path.Combine(folder, "Program.cs"));
        var text = await File.ReadAllTextAsync(Path.Combine(PackedFeed.FindRepositoryRoot(), readme), cancel);
        var samples = System.Text.RegularExpressions.Regex.Matches(text, "```cs\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.NotEmpty(samples);
        for (var i = 0; i < samples.Count; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"Sample{i}.cs"), samples[i].Groups[1].Value, cancel);
        }

        var build = await BuildConsumerAsync(folder);
        Assert.True(build.ExitCode == 0, $"The samples of {readme} did not build. " + build.Describe());

        var run = await RunConsumerAsync(folder);
        Assert.True(run.ExitCode == 0 && run.Output.Split('\n').Any(l => l.StartsWith(printed, StringComparison.Ordinal)), $"The samples of {readme} did not print '{printed}'. " + run.Describe());
    }

    [Fact]
    public async Task TheToolsDissectorWithTheConsumersAssemblyDecodesTheConsumersOwnPacketInTshark()
    {
        var folder = Path.Combine(feed.Root, "consumer-dissector");
        ConsumerApp.Write(folder, feed.Feed, feed.Version);
        var build = await BuildConsumerAsync(folder);
        Assert.True(build.ExitCode == 0, "The consumer did not build. " + build.Describe());

        // The consumer writes its Nudge (flag 0x77, its own kind) and a Ping as hex; text2pcap makes them UDP to 50429.
        var hex = Path.Combine(folder, "datagrams.txt");
        var run = await DotnetAsync(folder, RunTimeout, Path.Combine(folder, "bin", "Debug", "net10.0", ConsumerApp.AssemblyName + ".dll"), hex);
        Assert.True(run.ExitCode == 0 && File.Exists(hex), "The consumer failed. " + run.Describe());
        var capture = Path.Combine(folder, "nudge.pcapng");
        var pcap = await DotnetCli.RunProgramAsync("text2pcap", folder, null, RunTimeout, TestContext.Current.CancellationToken, "-q", "-F", "pcapng", "-4", "127.0.0.1,127.0.0.1", "-u", "40000,50429", hex, capture);
        Assert.True(pcap.ExitCode == 0, "text2pcap. " + pcap.Describe());

        // The installed tool writes VCSP's script and the consumer's, read from the consumer's assembly.
        var vcsp = await InstallToolAsync("tool-path-dissector");
        var script = Path.Combine(folder, "vcsp.lua");
        var assembly = Path.Combine(folder, "bin", "Debug", "net10.0", ConsumerApp.AssemblyName + ".dll");
        var written = await DotnetCli.RunProgramAsync(vcsp, folder, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "dissector", "--assembly", assembly, "--output", script);
        Assert.True(written.ExitCode == 0 && File.Exists(script), "vcsp dissector --assembly. " + written.Describe());

        var tshark = await DotnetCli.RunProgramAsync(
            "tshark", folder, null, RunTimeout, TestContext.Current.CancellationToken,
            "-r", capture, "-X", "lua_script:" + script, "-T", "fields", "-E", "separator=|",
            "-e", "vcsp.kind", "-e", "vcsp.status", "-e", "vcsp.sequence", "-e", "vcsp.nudge.count", "-e", "vcsp.nudge.note", "-e", "vcsp.ping.timestamp", "-e", "_ws.expert.message");
        Assert.True(tshark.ExitCode == 0, "tshark. " + tshark.Describe());
        Assert.Equal(["Nudge|ok|42|3|poke||", "Ping|ok|7|||99|"], Rows(tshark));

        // Without the consumer's assembly, the Nudge is a flag VCSP does not know.
        var spec = Path.Combine(folder, "spec.lua");
        written = await DotnetCli.RunProgramAsync(vcsp, folder, ConsumerEnvironment(), RunTimeout, TestContext.Current.CancellationToken, "dissector", "--output", spec);
        Assert.True(written.ExitCode == 0, "vcsp dissector. " + written.Describe());
        tshark = await DotnetCli.RunProgramAsync("tshark", folder, null, RunTimeout, TestContext.Current.CancellationToken, "-r", capture, "-X", "lua_script:" + spec, "-T", "fields", "-e", "vcsp.status");
        Assert.Equal(["UnknownFlag", "ok"], Rows(tshark));
    }

    /// <summary>tshark's lines of fields (the output holds standard error too, where tshark run as root says so).</summary>
    private static string[] Rows(DotnetResult tshark) =>
        [.. tshark.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("Running as user", StringComparison.Ordinal))];

    /// <summary>Installs VcspGen.Tool from the packed folder into a fresh tool path under the feed's root; returns the command's path.</summary>
    private async Task<string> InstallToolAsync(string toolFolder)
    {
        var toolPath = Path.Combine(feed.Root, toolFolder);
        var install = await DotnetAsync(feed.Root, BuildTimeout, "tool", "install", "VcspGen.Tool", "--tool-path", toolPath, "--add-source", feed.Feed, "--version", feed.Version);
        Assert.True(install.ExitCode == 0, "The tool did not install. " + install.Describe());
        var vcsp = Path.Combine(toolPath, "vcsp");
        Assert.True(File.Exists(vcsp), $"No command {vcsp}. " + install.Describe());
        return vcsp;
    }

    /// <summary>Builds the consumer in <paramref name="folder"/> (Debug, as a user's first build).</summary>
    private Task<DotnetResult> BuildConsumerAsync(string folder) =>
        DotnetAsync(folder, BuildTimeout, "build", ConsumerApp.AssemblyName + ".csproj", "-nologo", "-tl:off", "-v:minimal");

    /// <summary>Runs the consumer built in <paramref name="folder"/>.</summary>
    private Task<DotnetResult> RunConsumerAsync(string folder) =>
        DotnetAsync(folder, RunTimeout, Path.Combine(folder, "bin", "Debug", "net10.0", ConsumerApp.AssemblyName + ".dll"));

    /// <summary>Runs dotnet in a consumer's folder with the consumers' environment, and reports how long it took.</summary>
    private async Task<DotnetResult> DotnetAsync(string folder, TimeSpan timeout, params string[] arguments)
    {
        var result = await DotnetCli.RunAsync(folder, ConsumerEnvironment(), timeout, TestContext.Current.CancellationToken, arguments);
        Report(result);
        return result;
    }

    /// <summary>Puts how long a command took (and how long packing took) into the test's output.</summary>
    private void Report(DotnetResult result)
    {
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"packing took {feed.Pack?.Elapsed.TotalSeconds:F1} s");
        output?.WriteLine($"`{result.CommandLine}`: exit code {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// The consumers restore into a private packages folder: even with a unique version, nothing may come from a
    /// global packages folder that an earlier run or another tool filled.
    /// </summary>
    private Dictionary<string, string> ConsumerEnvironment() => new() { ["NUGET_PACKAGES"] = feed.ConsumerPackages };

    private static HashSet<string> Entries(string package)
    {
        Assert.True(File.Exists(package), $"No package {package}.");
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The nuspec's metadata elements by name (repository's attributes as repository.url and repository.type).</summary>
    private static Dictionary<string, string> Metadata(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = entry.Open();
        var metadata = XDocument.Load(stream).Descendants().Single(e => e.Name.LocalName == "metadata");
        var values = metadata.Elements().Where(e => !e.HasElements).ToDictionary(e => e.Name.LocalName, e => e.Value, StringComparer.Ordinal);
        if (metadata.Elements().FirstOrDefault(e => e.Name.LocalName == "repository") is { } repository)
        {
            values["repository.url"] = (string?)repository.Attribute("url") ?? string.Empty;
            values["repository.type"] = (string?)repository.Attribute("type") ?? string.Empty;
        }

        return values;
    }

    private static (string? License, Dictionary<string, string> Dependencies) Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = entry.Open();
        var nuspec = XDocument.Load(stream);
        var license = nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == "license")?.Value;
        var dependencies = nuspec.Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!, StringComparer.Ordinal);
        return (license, dependencies);
    }
}
