using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KissEf.InstanceBenchmarks;

/// <summary>A private PostgreSQL server (Debian's binaries) on a free loopback port, its data on /dev/shm when there is one.</summary>
internal sealed class PgServer : IDisposable
{
    private readonly string _bin;
    private readonly string _data;

    private PgServer(string bin, string data, int port)
    {
        _bin = bin;
        _data = data;
        Port = port;
    }

    public int Port { get; }

    public static PgServer Start()
    {
        var version = Directory.GetDirectories("/usr/lib/postgresql").Select(Path.GetFileName).OrderDescending().First();
        var bin = Path.Combine("/usr/lib/postgresql", version!, "bin");
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var data = Path.Combine(root, "kissef-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new PgServer(bin, data, port);
        if (Environment.UserName == "root")
        {
            Run("chown", $"postgres {data}");
        }

        server.AsServerUser("initdb", $"-D {data} -U postgres --auth=trust --no-sync -E UTF8");
        server.AsServerUser("pg_ctl", $"-D {data} -w -t 60 -l {data}/server.log -o \"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200\" start");
        return server;
    }

    public string CreateDatabase()
    {
        var name = "bench_" + Guid.NewGuid().ToString("N")[..12];
        Run(Path.Combine(_bin, "createdb"), $"-h 127.0.0.1 -p {Port} -U postgres {name}");
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    public void Dispose()
    {
        try
        {
            AsServerUser("pg_ctl", $"-D {_data} -m immediate -w stop");
        }
        finally
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private void AsServerUser(string tool, string arguments)
    {
        var file = Path.Combine(_bin, tool);
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
        })!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {error.Result}");
        }
    }
}
