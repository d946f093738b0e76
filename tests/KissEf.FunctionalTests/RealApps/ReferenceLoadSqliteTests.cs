using KissEf.Tests.Support;

namespace KissEf.Tests.RealApps;

/// <summary>Issue 18, item 4, on SQLite files: see <see cref="ReferenceLoadTests"/>.</summary>
public sealed class ReferenceLoadSqliteTests : ReferenceLoadTests
{
    protected override Provider Provider => Provider.Sqlite;
}
