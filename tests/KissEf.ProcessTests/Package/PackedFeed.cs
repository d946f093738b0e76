using KissEf.Tests.Support;

namespace KissEf.Tests.Package;

/// <summary>
/// KissEf, KissEf.Testing and KissEf.Commands from <c>dotnet pack</c>, once per test run: the fixture of <see cref="PackageGroup"/>, a
/// temporary folder feed that the package tests' throw-away apps restore from (NuGet.org for everything else). The
/// version is new per run, because the global packages folder caches a package by id and version; the feed, the apps
/// under <see cref="Root"/> and the run's version in the global packages folder are removed when the group ends (not
/// at the process's exit: the test host may be stopped before slow exit handlers finish). The pack builds into an
/// artifacts folder of its own, so it never touches the obj/bin of the test run. Also restores the repository's .NET
/// tools (.config/dotnet-tools.json: dotnet-ef), so that a test can run them from a fresh clone.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>The repository URL KissEf.Testing is packed with, as a fork would: the URL is a property of the build.</summary>
    public const string TestingRepositoryUrl = "https://github.com/example-fork/kissef";

    /// <summary>Each pack, restore or build step of a package test: a deadline, not an expected duration.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(6);

    private static readonly Lazy<Task> Tools = new(() => DotnetProcess.RunAsync(Repository.Root(), StepTimeout, "tool", "restore"));

    /// <summary>The run's temporary folder: the feed, the artifacts and the apps.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "kissef-pack-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The folder holding the .nupkg and .snupkg files.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The version of the packages in this run.</summary>
    public string Version { get; } = $"0.1.0-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long the pack took (for the reports of the tests).</summary>
    public TimeSpan PackTime { get; private set; }

    /// <summary>Runs <c>dotnet tool restore</c> in the repository once: CI starts on a machine with no tools.</summary>
    public static Task RestoreToolsAsync() => Tools.Value;

    /// <summary>
    /// Writes <c><paramref name="name"/>.csproj</c> into <paramref name="app"/>: a net10.0 project of
    /// <paramref name="sdk"/> with nullable, implicit usings and warnings as errors, as a new app has them, plus
    /// <paramref name="properties"/> and <paramref name="references"/> (one XML element each).
    /// </summary>
    public static void WriteProject(string app, string name, string sdk, IEnumerable<string> properties, IEnumerable<string> references)
    {
        const string indent = "\n    ";
        File.WriteAllText(Path.Combine(app, name + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- The tests are about building and resolving versions; a vulnerability published tomorrow must not fail them. -->
                <NuGetAudit>false</NuGetAudit>
                {string.Join(indent, properties)}
              </PropertyGroup>
              <ItemGroup>
                {string.Join(indent, references)}
              </ItemGroup>
            </Project>
            """);
    }

    /// <summary>
    /// A new folder for a throw-away app under <see cref="Root"/>, shut off from every MSBuild and NuGet file above it,
    /// with a nuget.config that takes KissEf's packages from <see cref="Feed"/> only and everything else from NuGet.org.
    /// </summary>
    public string CreateAppFolder(string name)
    {
        var app = Directory.CreateDirectory(Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="kissef-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="kissef-local"><package pattern="KissEf" /><package pattern="KissEf.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        return app;
    }

    public async Task InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var repository = Repository.Root();
        Directory.CreateDirectory(Feed);
        var artifacts = Path.Combine(Root, "artifacts");
        await DotnetProcess.RunAsync(
            repository,
            StepTimeout,
            "pack", Path.Combine(repository, "src/KissEf/KissEf.csproj"), "-c", "Release", "-o", Feed, "--artifacts-path", artifacts, $"-p:Version={Version}");
        await DotnetProcess.RunAsync(
            repository,
            StepTimeout,
            "pack", Path.Combine(repository, "src/KissEf.Testing/KissEf.Testing.csproj"), "-c", "Release", "-o", Feed, "--artifacts-path", artifacts, $"-p:Version={Version}",
            $"-p:KissEfRepositoryUrl={TestingRepositoryUrl}");
        await DotnetProcess.RunAsync(
            repository,
            StepTimeout,
            "pack", Path.Combine(repository, "src/KissEf.Commands/KissEf.Commands.csproj"), "-c", "Release", "-o", Feed, "--artifacts-path", artifacts, $"-p:Version={Version}");

        PackTime = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        Remove(Root, Version);
        return Task.CompletedTask;
    }

    private static void Remove(string root, string version)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            // The per-run versions must not pile up in the global packages folder.
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in (string[])["kissef", "kissef.testing", "kissef.commands"])
            {
                var folder = Path.Combine(packages, id, version);
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
        catch (IOException)
        {
            // A temp folder left behind is better than a failed test run in cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
