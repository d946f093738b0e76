using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 20, item 2, on SQLite files: see <see cref="ForgetTests"/>.</summary>
public sealed class ForgetSqliteTests : ForgetTests
{
    protected override Provider Provider => Provider.Sqlite;
}
