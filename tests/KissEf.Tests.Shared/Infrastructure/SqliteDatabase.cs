using Microsoft.Data.Sqlite;

namespace KissEf.Tests.Infrastructure;

/// <summary>
/// A throwaway SQLite file under %TEMP%/kissef-tests, unique per instance, deleted (with its -wal, -shm and
/// -journal companions) on dispose. A real file rather than ":memory:" so that several connections, including
/// the library's background sender, see the same data, and a "restart" can reopen it.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private static readonly string[] Companions = ["", "-wal", "-shm", "-journal"];

    public SqliteDatabase()
    {
        var directory = Path.Combine(Path.GetTempPath(), "kissef-tests");
        Directory.CreateDirectory(directory);
        FilePath = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db");

        // Pooling off: Microsoft.Data.Sqlite's pool keeps closed connections' file handles open, which would make the
        // delete fail on Windows and leave every test's file pinned until the process exits.
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Pooling = false,
        }.ToString();
    }

    /// <summary>Absolute path of the database file (it does not exist until first opened).</summary>
    public string FilePath { get; }

    /// <summary>"Data Source=&lt;FilePath&gt;;Pooling=False".</summary>
    public string ConnectionString { get; }

    /// <summary>A new, already opened connection to this database; the caller disposes it.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var suffix in Companions)
        {
            try
            {
                File.Delete(FilePath + suffix);
            }
            catch (IOException)
            {
                // A connection still open (a test bug, or a Windows sharing violation): leaking a temp file is
                // better than failing the test in cleanup. Linux deletes open files anyway.
            }
            catch (UnauthorizedAccessException)
            {
                // Same reasoning as above.
            }
        }
    }
}
