using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace VcspGen.Packaging.Tests;

/// <summary>
/// Packs VcspGen and VcspGen.Runtime once for the tests of a class, at a version no other run uses, into a feed
/// folder of its own; deletes everything it made when the class is done.
/// </summary>
/// <remarks>
/// The packs run on a copy of the sources in a temporary folder, not in the repository. A concurrent
/// <c>dotnet test VcspGen.sln</c> runs test assemblies from the repository's bin folders and builds into its obj
/// folders: packing there (a Release build with other global properties: Version, ContinuousIntegrationBuild)
/// would rewrite VcspGen.dll and friends under it. Overriding BaseOutputPath/BaseIntermediateOutputPath is not
/// enough (referenced projects' restore outputs and the generator's paths are per-project evaluations that are easy
/// to miss), and <c>--no-build</c> would pack whatever configuration was last built. A copy is isolated by
/// construction, and it costs well under a second. The copy is not a git repository, which the build accepts
/// (no source-link data; packing from a clone records the commit).
/// </remarks>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>The repository folders and files that VcspGen, VcspGen.Runtime and the vcsp tool (VcspGen.Tool) are built from.</summary>
    private static readonly string[] SourceFolders = ["spec", "generator", "analyzers", "runtime", "tools", "assets"];
    private static readonly string[] SourceFiles = ["Directory.Build.props", "Directory.Packages.props", "Directory.Build.targets", "global.json", ".editorconfig", "nuget.config", "NuGet.config", "NuGet.Config"];

    /// <summary>The temporary folder that holds everything of this run.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("vcspgen-packaging-").FullName;

    /// <summary>The packages' version: unique, so no NuGet cache anywhere can hold a stale copy of it.</summary>
    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1, 1_000_000)}";

    /// <summary>The folder the packages are packed into: the consumers' package source.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The consumers' private global-packages folder (NUGET_PACKAGES).</summary>
    public string ConsumerPackages => Path.Combine(Root, "packages");

    /// <summary>The pack command's result.</summary>
    internal DotnetResult? Pack { get; private set; }

    /// <summary>The path of a package in the feed.</summary>
    /// <param name="id">The package id.</param>
    /// <param name="symbols">The symbol package (.snupkg) rather than the package.</param>
    /// <returns>The file's path.</returns>
    public string PackagePath(string id, bool symbols = false) => Path.Combine(Feed, $"{id}.{Version}.{(symbols ? "snupkg" : "nupkg")}");

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var sources = Path.Combine(Root, "src");
        CopySources(FindRepositoryRoot(), sources);

        // One pack command for both packages. The solution lists every project the two are built from, so all of
        // them build in Release (a project missing from a solution is built with its default configuration).
        var projects = Directory.EnumerateFiles(sources, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(sources, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var solution = new StringBuilder("<Solution>\n");
        foreach (var project in projects)
        {
            solution.Append("  <Project Path=\"").Append(project).Append("\" />\n");
        }

        solution.Append("</Solution>\n");
        await File.WriteAllTextAsync(Path.Combine(sources, "packages.slnx"), solution.ToString(), TestContext.Current.CancellationToken);

        Pack = await DotnetCli.RunAsync(
            sources,
            environment: null,
            TimeSpan.FromMinutes(5),
            TestContext.Current.CancellationToken,
            "pack", "packages.slnx", "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nologo", "-tl:off", "-v:minimal");
        if (Pack.ExitCode != 0 || !File.Exists(PackagePath("VcspGen")) || !File.Exists(PackagePath("VcspGen.Runtime")) || !File.Exists(PackagePath("VcspGen.Tool")))
        {
            throw new InvalidOperationException("Packing VcspGen and VcspGen.Runtime failed. " + Pack.Describe());
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is not a test failure.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The machine's global-packages folder, when it has one: a fast local source for the consumers' other dependencies.</summary>
    /// <returns>Its path, or <see langword="null"/>.</returns>
    public static string? MachineGlobalPackages()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        var path = string.IsNullOrEmpty(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : configured;
        return Directory.Exists(path) ? path : null;
    }

    /// <summary>The repository's root folder (where VcspGen.sln is), found from the test's output folder.</summary>
    /// <returns>Its path.</returns>
    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VcspGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No VcspGen.sln above {AppContext.BaseDirectory}.");
    }

    private static void CopySources(string repository, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in SourceFiles.Distinct(StringComparer.Ordinal))
        {
            var from = Path.Combine(repository, file);
            if (File.Exists(from) && !File.Exists(Path.Combine(destination, file)))
            {
                File.Copy(from, Path.Combine(destination, file));
            }
        }

        foreach (var folder in SourceFolders)
        {
            CopyTree(new DirectoryInfo(Path.Combine(repository, folder)), Path.Combine(destination, folder));
        }
    }

    private static void CopyTree(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in from.EnumerateFiles())
        {
            file.CopyTo(Path.Combine(to, file.Name));
        }

        foreach (var dir in from.EnumerateDirectories())
        {
            // Build outputs stay behind: the copy builds from scratch.
            if (dir.Name is "bin" or "obj" || dir.Name.StartsWith('.'))
            {
                continue;
            }

            CopyTree(dir, Path.Combine(to, dir.Name));
        }
    }
}
