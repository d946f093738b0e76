using KissEf.Tests.Support;
using KissEf.Tests.Support.ValueObjects;

namespace KissEf.Tests.RealApps;

/// <summary>Issue 18, item 5, on SQLite files: see <see cref="ValueObjectTests"/>.</summary>
public sealed class ValueObjectSqliteTests : ValueObjectTests
{
    protected override Provider Provider => Provider.Sqlite;
}
