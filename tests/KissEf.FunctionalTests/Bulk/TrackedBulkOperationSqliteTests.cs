using KissEf.Tests.Support;

namespace KissEf.Tests.Bulk;

/// <summary>Issue 18, item 1, on SQLite files: see <see cref="TrackedBulkOperationTests"/>.</summary>
public sealed class TrackedBulkOperationSqliteTests : TrackedBulkOperationTests
{
    protected override Provider Provider => Provider.Sqlite;
}
