using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 17, item 1, on SQLite files: see <see cref="AppModelOutboxTests"/>.</summary>
public sealed class AppModelOutboxSqliteTests : AppModelOutboxTests
{
    protected override Provider Provider => Provider.Sqlite;
}
