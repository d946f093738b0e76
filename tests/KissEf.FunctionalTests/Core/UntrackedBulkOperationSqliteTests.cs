using KissEf.Tests.Support;

namespace KissEf.Tests.Core;

/// <summary>Issue 18, item 2, on SQLite files: see <see cref="UntrackedBulkOperationTests"/>.</summary>
public sealed class UntrackedBulkOperationSqliteTests : UntrackedBulkOperationTests
{
    protected override Provider Provider => Provider.Sqlite;
}
