using KissEf.Tests.Support;

namespace KissEf.Tests.Privacy;

/// <summary>Issue 20, item 1, on SQLite files: see <see cref="ConsentTests"/>.</summary>
public sealed class ConsentSqliteTests : ConsentTests
{
    protected override Provider Provider => Provider.Sqlite;
}
