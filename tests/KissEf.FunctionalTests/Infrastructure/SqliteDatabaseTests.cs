using Microsoft.Data.Sqlite;

namespace KissEf.Tests.Infrastructure;

public class SqliteDatabaseTests
{
    [Fact]
    public void Creates_a_unique_file_under_temp_and_deletes_it_with_wal_files_on_dispose()
    {
        string path;
        using (var db = new SqliteDatabase())
        {
            path = db.FilePath;
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "kissef-tests"), path, StringComparison.Ordinal);
            Assert.Contains("Pooling=False", db.ConnectionString, StringComparison.Ordinal);

            using (var connection = db.OpenConnection())
            {
                Execute(connection, "PRAGMA journal_mode=WAL;");
                Execute(connection, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);");

                // A second connection sees the same data: it is a file, not a private in-memory database.
                using var other = new SqliteConnection(db.ConnectionString);
                other.Open();
                using var count = other.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM t;";
                Assert.Equal(1L, count.ExecuteScalar());
                Assert.True(File.Exists(path + "-wal"));
            }

            Assert.True(File.Exists(path));
        }

        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + "-wal"));
        Assert.False(File.Exists(path + "-shm"));
    }

    [Fact]
    public void Two_instances_get_different_files()
    {
        using var a = new SqliteDatabase();
        using var b = new SqliteDatabase();

        Assert.NotEqual(a.FilePath, b.FilePath);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
