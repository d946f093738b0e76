using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KissEf.Tests.Postgres;

/// <summary>
/// A private PostgreSQL server for the tests that need a provider with ambient transactions and real row
/// locking: initdb into a temporary folder, started on a free loopback port, removed at the end. It uses the
/// server binaries of the machine (Debian's postgresql package, part of this project's machine image); where
/// they are missing, <see cref="Unavailable"/> says why and the tests report it as a failure, not a skip.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string BinFolder = "/usr/lib/postgresql";

    // `dotnet test` on a fresh machine sets up what it needs, as .ci/run does: Debian's package, installed once.
    private static readonly Lazy<string?> Installed = new(Install);
    private string? _dataFolder;
    private string? _bin;

    /// <summary>Why no server could be started, or null when one runs.</summary>
    public string? Unavailable { get; private set; }

    public int Port { get; private set; }

    /// <summary>A connection string to a new, empty database.</summary>
    public string CreateDatabase()
    {
        if (Unavailable is not null)
        {
            throw new InvalidOperationException("PostgreSQL is not available: " + Unavailable);
        }

        var name = "kissef_" + Guid.NewGuid().ToString("N")[..12];
        Run(Path.Combine(_bin!, "createdb"), $"-h 127.0.0.1 -p {Port} -U postgres {name}");
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name};Pooling=true;Include Error Detail=true";
    }

    public async Task InitializeAsync()
    {
        var version = ServerVersion();
        if (version is null && Installed.Value is { } failure)
        {
            Unavailable = $"no PostgreSQL server binaries under {BinFolder}, and installing Debian's postgresql package failed: {failure}";
            return;
        }

        version ??= ServerVersion();
        if (version is null)
        {
            Unavailable = $"no PostgreSQL server binaries under {BinFolder} (install Debian's postgresql package)";
            return;
        }

        _bin = Path.Combine(BinFolder, version, "bin");
        _dataFolder = Path.Combine(Path.GetTempPath(), "kissef-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dataFolder);
        Port = FreePort();

        // PostgreSQL refuses to run as root: run it as the postgres system user when we are root.
        if (Environment.UserName == "root")
        {
            Run("chown", $"postgres {_dataFolder}");
        }

        RunAsServerUser(Path.Combine(_bin, "initdb"), $"-D {_dataFolder} -U postgres --auth=trust --no-sync -E UTF8");
        Start();
        await Task.CompletedTask;
    }

    private static string? ServerVersion()
    {
        var version = Directory.Exists(BinFolder)
            ? Directory.GetDirectories(BinFolder).Select(Path.GetFileName).OrderDescending().FirstOrDefault()
            : null;
        return version is not null && File.Exists(Path.Combine(BinFolder, version, "bin", "initdb")) ? version : null;
    }

    /// <summary>apt-get update and install postgresql (as root, no prompts); why it failed, or null.</summary>
    private static string? Install()
    {
        if (Environment.UserName != "root")
        {
            return "not running as root";
        }

        foreach (var arguments in new[] { "update -qq", "install -y -qq --no-install-recommends postgresql" })
        {
            var start = new ProcessStartInfo("apt-get", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(10)) || process.ExitCode != 0)
            {
                return $"apt-get {arguments}: {error.Result}{output.Result}".Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the server (again, after <see cref="Stop"/>) on the same port and data. 500 connections: the 100 tenant
    /// databases of the tenant tests have a connection pool each (writers and dispatcher), about 3 connections a database.
    /// </summary>
    public void Start()
        => RunAsServerUser(
            Path.Combine(_bin!, "pg_ctl"),
            $"-D {_dataFolder} -w -t 60 -l {_dataFolder}/server.log -o \"-p {Port} -k {_dataFolder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=500\" start");

    /// <summary>Stops the server at once (<c>-m immediate</c>: open connections are cut, as in a crash).</summary>
    public void Stop() => RunAsServerUser(Path.Combine(_bin!, "pg_ctl"), $"-D {_dataFolder} -m immediate -w stop");

    public async Task DisposeAsync()
    {
        if (_bin is not null && _dataFolder is not null)
        {
            try
            {
                // A test may have stopped the server itself (Stop) and left it so.
                if (File.Exists(Path.Combine(_dataFolder, "postmaster.pid")))
                {
                    RunAsServerUser(Path.Combine(_bin, "pg_ctl"), $"-D {_dataFolder} -m immediate -w stop");
                }
            }
            finally
            {
                Directory.Delete(_dataFolder, recursive: true);
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// Deletes the data folders of earlier runs whose server is gone (no postmaster.pid) and that nothing touched for
    /// 10 minutes: a test process that exits may be ended before its clean-up has deleted its folder.
    /// </summary>
    public static void RemoveStaleFolders()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "kissef-pg-*"))
        {
            try
            {
                if (!File.Exists(Path.Combine(folder, "postmaster.pid"))
                    && Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow - TimeSpan.FromMinutes(10))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another run's, or already gone: not ours to fail on.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAsServerUser(string file, string arguments)
    {
        if (Environment.UserName == "root")
        {
            Run("runuser", $"-u postgres -- {file} {arguments}");
        }
        else
        {
            Run(file, arguments);
        }
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        }) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 2 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"{file} {arguments} exited with {process.ExitCode}: {error.Result}{output.Result}"));
        }
    }
}
