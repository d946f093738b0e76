using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KissEf.Tests.Commands;

/// <summary>
/// The sample's built executable run as a real process, as an operator runs it, against a database of the test's own:
/// its SQLite file in a temporary working folder, or (<see cref="PostgresAsync"/>) a private PostgreSQL database. The
/// provider and the connection string go in as environment variables (<c>Database__Provider</c>,
/// <c>ConnectionStrings__Shop</c>): the sample's configuration reads them, and arguments after <c>kissef</c> are the
/// command's, where <c>--Database:Provider</c> would be an unknown option. Also runs SQL on that database, so that a
/// test can write the rows a command reads and check what it changed.
/// </summary>
public sealed class SampleCommand : IAsyncDisposable
{
    /// <summary>
    /// Makes the console print the host's "Application started" line, which the sample filters out: the console
    /// provider's own level wins over the code's filter for all providers, so the line appears exactly when the host starts.
    /// </summary>
    public const string ShowStart = "Logging__Console__LogLevel__Microsoft.Hosting.Lifetime";

    private readonly DirectoryInfo _folder;
    private readonly string? _postgres;

    private SampleCommand(DirectoryInfo folder, string? postgres)
    {
        _folder = folder;
        _postgres = postgres;
    }

    /// <summary>The process's working folder (a new temporary one), which holds the SQLite file.</summary>
    public string Folder => _folder.FullName;

    /// <summary>"Sqlite" or "PostgreSQL".</summary>
    public string Provider => _postgres is null ? "Sqlite" : "PostgreSQL";

    /// <summary>The sample with its default SQLite file, <c>kissef-sample.db</c> in <see cref="Folder"/>.</summary>
    public static SampleCommand Sqlite() => new(Directory.CreateTempSubdirectory("kissef-sample-"), null);

    /// <summary>The sample on a new, empty database of the tests' private PostgreSQL server.</summary>
    public static async Task<SampleCommand> PostgresAsync()
        => new(Directory.CreateTempSubdirectory("kissef-sample-"), (await SharedPostgres.GetAsync()).CreateDatabase());

    /// <summary>The sample on PostgreSQL at <paramref name="connectionString"/> (a server that is down, for example).</summary>
    public static SampleCommand Postgres(string connectionString) => new(Directory.CreateTempSubdirectory("kissef-sample-"), connectionString);

    /// <summary>The sample on <paramref name="provider"/> ("Sqlite" or "PostgreSQL"), for the theories run on both.</summary>
    public static async Task<SampleCommand> OnAsync(string provider)
        => provider == "PostgreSQL" ? await PostgresAsync() : Sqlite();

    /// <summary>The sample's own run (no <c>kissef</c>): it makes its database afresh, writes, delivers and exits.</summary>
    public async Task CreateDatabaseAsync()
    {
        var run = await RunAsync();
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    public Task<SampleRun> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the sample's dll with <paramref name="args"/>, and <paramref name="environment"/> beside the database's.</summary>
    public async Task<SampleRun> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ChildDotnet.RecordedAssembly("KissEfSampleAppPath"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in Environment(environment))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return new SampleRun(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// The environment of a run: the database's configuration (none for SQLite: its file in the working folder), and
    /// <paramref name="more"/>; for a process started another way (one to be killed mid-run).
    /// </summary>
    public Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> more)
    {
        var environment = new Dictionary<string, string>(more);
        if (_postgres is not null)
        {
            environment["Database__Provider"] = "PostgreSQL";
            environment["ConnectionStrings__Shop"] = _postgres;
        }

        return environment;
    }

    /// <summary>Every call line of the outbox's rows (a backfill's checkpoint row holds none).</summary>
    public async Task<List<string>> CallsAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, "SELECT calls FROM kiss_outbox WHERE call_count > 0", []);
        var calls = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            calls.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        return calls;
    }

    /// <summary>Runs <paramref name="sql"/> on the sample's database, with <paramref name="parameters"/> as <c>@name</c>.</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, as a number.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, []);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = _postgres is null
            ? new SqliteConnection($"Data Source={Path.Combine(Folder, "kissef-sample.db")};Pooling=False")
            : new NpgsqlConnection(_postgres + ";Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private static DbCommand Command(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
