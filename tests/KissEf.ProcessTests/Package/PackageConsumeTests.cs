using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using KissEf.Tests.Support;

namespace KissEf.Tests.Package;

/// <summary>
/// Issue 9, "Package": <c>dotnet pack</c> of KissEf and KissEf.Testing into a temporary folder feed (<see cref="PackedFeed"/>,
/// shared by the package tests), then a throw-away console app that pins EF Core 10.0.11 (older than the 10.0.15 the repository builds with) restores
/// them with warnings as errors, builds, and runs: a dry run through the outbox and a recording. Real child
/// processes of the .NET SDK; NuGet.org for everything but KissEf. Runs in CI (a few minutes). Issue 15: the symbols
/// carry a SourceLink map to the repository URL at the packed commit (KissEf.Testing packed with another URL, as a
/// fork would), and KissEf.Testing depends on exactly its own version of KissEf. Issue 18: KissEf carries its analyzer
/// and code fix under analyzers/dotnet/cs (no package dependency, no reference from KissEf.dll), and the app's build
/// runs it: KISS001 on a bulk delete of a mapped type (an analyzer that failed to load would fail the build, CS9057).
/// </summary>
[Trait("Category", "Package")]
[Collection(PackageGroup.Name)]
public sealed class PackageConsumeTests(PackedFeed packed)
{
    private const string PinnedEfCore = "10.0.11";

    /// <summary>The kinds of two custom debug records of a portable PDB: the SourceLink map, and a document's embedded source.</summary>
    private static readonly Guid SourceLinkRecord = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");
    private static readonly Guid EmbeddedSourceRecord = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
    private static readonly TimeSpan StepTimeout = PackedFeed.StepTimeout;

    [Fact]
    public async Task A_console_app_pinned_to_an_older_EF_Core_restores_builds_and_runs_against_the_packages()
    {
        var clock = Stopwatch.StartNew();
        var feed = packed.Feed;
        var version = packed.Version;
        AssertPackage(
            Path.Combine(feed, $"KissEf.{version}.nupkg"),
            "lib/net10.0/KissEf.dll",
            "lib/net10.0/KissEf.xml",
            "analyzers/dotnet/cs/KissEf.Analyzers.dll",
            "analyzers/dotnet/cs/KissEf.Analyzers.CodeFixes.dll");
        AssertPackage(Path.Combine(feed, $"KissEf.Testing.{version}.nupkg"), "lib/net10.0/KissEf.Testing.dll", "lib/net10.0/KissEf.Testing.xml");
        AssertOwnReadme(Path.Combine(feed, $"KissEf.{version}.nupkg"), Path.Combine(Repository.Root(), "src", "KissEf", "README.md"));
        AssertOwnReadme(Path.Combine(feed, $"KissEf.Testing.{version}.nupkg"), Path.Combine(Repository.Root(), "src", "KissEf.Testing", "README.md"));
        Assert.True(File.Exists(Path.Combine(feed, $"KissEf.{version}.snupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"KissEf.Testing.{version}.snupkg")));
        var dependencies = Dependencies(Path.Combine(feed, $"KissEf.{version}.nupkg"));
        Assert.Equal("10.0.0", dependencies["Microsoft.EntityFrameworkCore.Relational"]);
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("KissEf.Analyzers", StringComparison.Ordinal));
        Assert.DoesNotContain(AssemblyReferences(Path.Combine(feed, $"KissEf.{version}.nupkg"), "lib/net10.0/KissEf.dll"), r => r.StartsWith("KissEf.Analyzers", StringComparison.Ordinal));

        // The recorder works with its own KissEf only: an exact version, not NuGet's minimum.
        Assert.Equal($"[{version}]", Dependencies(Path.Combine(feed, $"KissEf.Testing.{version}.nupkg"))["KissEf"]);

        // Symbols with a real SourceLink map: the repository URL (configurable: KissEf.Testing is packed with another,
        // as a fork would) at the commit that was packed.
        var repository = Repository.Root();
        var commit = Git(repository, "rev-parse", "HEAD").Trim();
        var tracked = Git(repository, "ls-files").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        AssertSourceLink(Path.Combine(feed, $"KissEf.{version}.snupkg"), "lib/net10.0/KissEf.pdb", "https://github.com/kissef/kissef", commit, tracked);
        AssertSourceLink(Path.Combine(feed, $"KissEf.Testing.{version}.snupkg"), "lib/net10.0/KissEf.Testing.pdb", PackedFeed.TestingRepositoryUrl, commit, tracked);
        Assert.Equal(PackedFeed.TestingRepositoryUrl, RepositoryUrl(Path.Combine(feed, $"KissEf.Testing.{version}.nupkg")));

        var app = WriteApp(packed);
        var build = await DotnetProcess.RunAsync(app, StepTimeout, "build", "-c", "Release");
        Assert.Contains("warning KISS001: ExecuteDelete on 'Customer'", build, StringComparison.Ordinal);
        var assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        var libraries = JsonDocument.Parse(assets).RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();
        Assert.Contains($"Microsoft.EntityFrameworkCore/{PinnedEfCore}", libraries);
        Assert.Contains($"Microsoft.EntityFrameworkCore.Relational/{PinnedEfCore}", libraries);
        Assert.Contains($"KissEf/{version}", libraries);

        var dll = Path.Combine(app, "bin", "Release", "net10.0", "ShopApp.dll");
        var dry = await DotnetProcess.RunAsync(app, StepTimeout, dll, "dry");
        var record = await DotnetProcess.RunAsync(app, StepTimeout, dll, "record");

        // The dry run logs the URL it would send (event 2005), key redacted.
        var url = Assert.Single(dry.Split('\n'), l => l.StartsWith("2005 ", StringComparison.Ordinal));
        Assert.Contains("https://trk.kissmetrics.com/e", url, StringComparison.Ordinal);
        Assert.Contains("_p=ann%40example.com", url, StringComparison.Ordinal);
        Assert.Contains("_n=Signed%20Up", url, StringComparison.Ordinal);
        Assert.Contains("plan=Free", url, StringComparison.Ordinal);
        Assert.Contains("_k=***", url, StringComparison.Ordinal);
        Assert.Contains("recorded: Event ann@example.com 'Signed Up' {plan=Free}", record, StringComparison.Ordinal);
        Assert.Contains("outbox table: False", record, StringComparison.Ordinal);

        // Seen in the test's output, for the figures of the report.
        Console.WriteLine($"pack {packed.PackTime.TotalSeconds:F0} s (once per run), restore + build + 2 runs {clock.Elapsed.TotalSeconds:F0} s");
    }

    private static void AssertPackage(string path, params string[] files)
    {
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Concat(["README.md", "LICENSE", "CHANGELOG.md"]))
        {
            Assert.Contains(file, entries);
        }

        var nuspec = Nuspec(zip);
        var ns = nuspec.Root!.GetDefaultNamespace();
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("url"));
    }

    /// <summary>A package carries its project's own short readme, not the repository's README.</summary>
    private static void AssertOwnReadme(string path, string readme)
    {
        using var zip = ZipFile.OpenRead(path);
        using var reader = new StreamReader(zip.GetEntry("README.md")!.Open());
        Assert.Equal(File.ReadAllText(readme), reader.ReadToEnd());
    }

    /// <summary>
    /// The PDB in <paramref name="snupkg"/> has one SourceLink map, from the repository's root to
    /// <c>https://raw.githubusercontent.com/owner/name/commit/*</c> of <paramref name="repositoryUrl"/>, and every
    /// document it does not embed is under that root and tracked by git (so that its URL names a file of the commit).
    /// </summary>
    private static void AssertSourceLink(string snupkg, string pdbPath, string repositoryUrl, string commit, HashSet<string> tracked)
    {
        using var zip = ZipFile.OpenRead(snupkg);
        var entry = zip.GetEntry(pdbPath);
        Assert.True(entry is not null, $"{Path.GetFileName(snupkg)} has no {pdbPath}: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var bytes = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(bytes);
        }

        bytes.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(bytes);
        var pdb = provider.GetMetadataReader();
        var maps = pdb.CustomDebugInformation
            .Select(pdb.GetCustomDebugInformation)
            .Where(c => pdb.GetGuid(c.Kind) == SourceLinkRecord)
            .Select(c => Encoding.UTF8.GetString(pdb.GetBlobBytes(c.Value)))
            .ToList();
        var json = Assert.Single(maps);
        var documents = JsonDocument.Parse(json).RootElement.GetProperty("documents").EnumerateObject().ToList();
        var map = Assert.Single(documents);
        var raw = repositoryUrl.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal);
        Assert.Equal($"{raw}/{commit}/*", map.Value.GetString());
        Assert.EndsWith("/*", map.Name, StringComparison.Ordinal);
        var root = map.Name[..^1];

        var mapped = new List<string>();
        foreach (var handle in pdb.Documents)
        {
            var name = pdb.GetString(pdb.GetDocument(handle).Name);
            var embedded = pdb.GetCustomDebugInformation(handle).Any(c => pdb.GetGuid(pdb.GetCustomDebugInformation(c).Kind) == EmbeddedSourceRecord);
            if (!embedded)
            {
                Assert.StartsWith(root, name, StringComparison.Ordinal);
                var relative = name[root.Length..].Replace('\\', '/');
                Assert.True(tracked.Contains(relative), $"{relative} is mapped to {raw}/{commit} but git does not track it.");
                mapped.Add(relative);
            }
        }

        Assert.Contains(mapped, d => d.EndsWith("Recorder.cs", StringComparison.Ordinal) || d.EndsWith("ServiceCollectionExtensions.cs", StringComparison.Ordinal));
    }

    private static string? RepositoryUrl(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var nuspec = Nuspec(zip);
        return nuspec.Descendants(nuspec.Root!.GetDefaultNamespace() + "repository").Single().Attribute("url")?.Value;
    }

    /// <summary>Runs git in <paramref name="repository"/> and returns its output.</summary>
    private static string Git(string repository, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = repository, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)} exited with {process.ExitCode}");
        return output;
    }

    /// <summary>The names of the assemblies the dll at <paramref name="dllPath"/> in <paramref name="nupkg"/> references.</summary>
    private static List<string> AssemblyReferences(string nupkg, string dllPath)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var bytes = new MemoryStream();
        using (var stream = zip.GetEntry(dllPath)!.Open())
        {
            stream.CopyTo(bytes);
        }

        bytes.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(bytes);
        var reader = pe.GetMetadataReader();
        return [.. reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name))];
    }

    private static Dictionary<string, string> Dependencies(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var nuspec = Nuspec(zip);
        return nuspec.Descendants(nuspec.Root!.GetDefaultNamespace() + "dependency")
            .ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value, StringComparer.Ordinal);
    }

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string WriteApp(PackedFeed packed)
    {
        var app = packed.CreateAppFolder("consume");
        PackedFeed.WriteProject(
            app,
            "ShopApp",
            "Microsoft.NET.Sdk",
            // KISS001 stays a warning, so that the build shows the analyzer ran without failing.
            ["<OutputType>Exe</OutputType>", "<WarningsNotAsErrors>KISS001</WarningsNotAsErrors>"],
            [
                $"""<PackageReference Include="KissEf" Version="{packed.Version}" />""",
                $"""<PackageReference Include="KissEf.Testing" Version="{packed.Version}" />""",
                $"""<PackageReference Include="Microsoft.EntityFrameworkCore" Version="{PinnedEfCore}" />""",
                $"""<PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="{PinnedEfCore}" />""",
            ]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using KissEf;
            using KissEf.Testing;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Logging;

            var mode = args[0];
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddProvider(new LineLoggerProvider()));
            services.AddKissTracking(kiss =>
            {
                if (mode == "record")
                {
                    kiss.UseRecorder();
                }
                else
                {
                    kiss.UseDryRun();
                }

                kiss.Entity<Customer>(c =>
                {
                    c.HasIdentity(x => x.Email);
                    c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
                });
            });
            services.AddDbContext<ShopContext>((sp, db) => db.UseSqlite($"Data Source={mode}.db").UseKissTracking(sp));

            await using var provider = services.BuildServiceProvider();
            using (var scope = provider.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
                await db.Database.EnsureDeletedAsync();
                await db.Database.EnsureCreatedAsync();
                db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
                await db.SaveChangesAsync();
                var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'table'").ToListAsync();
                Console.WriteLine($"outbox table: {tables.Contains("kiss_outbox")}");
            }

            await provider.GetRequiredService<IKissDispatcher>().FlushAsync();
            if (mode == "record")
            {
                foreach (var call in provider.GetRequiredService<KissRecorder>().Calls)
                {
                    var properties = string.Join(", ", call.Properties.Select(p => $"{p.Key}={p.Value}"));
                    Console.WriteLine($"recorded: {call.Kind} {call.Person} '{call.Name}' {{{properties}}}");
                }
            }

            public sealed class Customer
            {
                public int Id { get; set; }
                public required string Email { get; set; }
                public string? Plan { get; set; }
            }

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
            {
                public DbSet<Customer> Customers => Set<Customer>();
            }

            /// <summary>Never run: the build reports KISS001 here (Customer is mapped above).</summary>
            public static class Cleanup
            {
                public static int RemoveFree(ShopContext db) => db.Customers.Where(c => c.Plan == "Free").ExecuteDelete();
            }

            /// <summary>Writes KissEf's log lines as "eventId message", one a line.</summary>
            public sealed class LineLoggerProvider : ILoggerProvider
            {
                public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName);

                public void Dispose()
                {
                }

                private sealed class LineLogger(string category) : ILogger
                {
                    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

                    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && category.StartsWith("KissEf", StringComparison.Ordinal);

                    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                    {
                        if (IsEnabled(logLevel))
                        {
                            Console.WriteLine($"{eventId.Id} {formatter(state, exception)}");
                        }
                    }
                }
            }
            """);
        return app;
    }
}
