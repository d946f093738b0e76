using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// A private PostgreSQL server for the benchmarks (bench/KissEf.Benchmarks' PostgreSQL rows, and
/// bench/KissEf.InstanceBenchmarks, which links this file): the machine's binaries (Debian's postgresql package,
/// /usr/lib/postgresql/*/bin, or on the PATH), initdb into a folder on /dev/shm when there is one, fsync off, a free
/// loopback port; run as the postgres user when the bench runs as root (PostgreSQL refuses root). Dispose (also run
/// at process exit) stops it and deletes its folder; a start that fails stops what it started.
/// </summary>
public sealed class PgServer : IDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private int _disposed;

    private PgServer(string bin, string data, int port)
    {
        _bin = bin;
        _data = data;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The folder of the server binaries, or null when the machine has none.</summary>
    public static string? FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        var versioned = Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
        return versioned ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <param name="maxConnections">The server's max_connections: the tenant bench's databases keep pooled connections each.</param>
    public static PgServer Start(int maxConnections = 200)
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries (/usr/lib/postgresql/*/bin or initdb on the PATH): install Debian's postgresql package (.ci/run does).");
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var data = Path.Combine(root, "kissef-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new PgServer(bin, data, port);
        try
        {
            if (Environment.UserName == "root")
            {
                Run("chown", $"postgres {data}");
            }

            server.AsServerUser("initdb", $"-D {data} -U postgres --auth=trust --no-sync -E UTF8");
            server.AsServerUser("pg_ctl", $"-D {data} -w -t 60 -l {data}/server.log -o \"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={maxConnections}\" start");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The server's version, as <c>postgres --version</c> prints it.</summary>
    public string Version() => Run(Path.Combine(_bin, "postgres"), "--version").Trim();

    /// <summary>A connection string to a new database: empty, or a copy of <paramref name="template"/> (a database no one is connected to).</summary>
    public string CreateDatabase(string? template = null)
    {
        var name = "bench_" + Guid.NewGuid().ToString("N")[..12];
        Run(Path.Combine(_bin, "createdb"), $"-h 127.0.0.1 -p {Port} -U postgres {(template is null ? "" : "-T " + template + " ")}{name}");
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>
    /// CPU time (user + system, ms) the server's processes have used so far: the postmaster with its finished children,
    /// and its live children (the backends of pooled connections). Clock-tick resolution (10 ms): for sums over many saves.
    /// </summary>
    public double CpuMs()
    {
        var pidFile = Path.Combine(_data, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
        {
            return double.NaN;
        }

        long ticks = 0;
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && Stat(pid) is { } stat && (pid == postmaster || stat.Parent == postmaster))
            {
                ticks += stat.Ticks + (pid == postmaster ? stat.ChildTicks : 0);
            }
        }

        return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                AsServerUser("pg_ctl", $"-D {_data} -m immediate -w stop");
            }
        }
        finally
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static (int Parent, long Ticks, long ChildTicks)? Stat(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ...": comm may hold spaces, so fields are counted after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long L(int i) => long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture);

            // After ')': state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
            return ((int)L(1), L(11) + L(12), L(13) + L(14));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void AsServerUser(string tool, string arguments)
    {
        var file = Path.Combine(_bin, tool);
        if (Environment.UserName == "root")
        {
            _ = Run("runuser", $"-u postgres -- {file} {arguments}");
        }
        else
        {
            _ = Run(file, arguments);
        }
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        })!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {error.Result}");
        }

        return output.Result;
    }
}
