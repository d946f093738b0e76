using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 19, item 1, on SQLite files: see <see cref="DeadGroupTests"/>.</summary>
public sealed class DeadGroupSqliteTests : DeadGroupTests
{
    protected override Provider Provider => Provider.Sqlite;
}
