using KissEf.Tests.Support;
using KissEf.Tests.Support.ValueObjects;

namespace KissEf.Tests.RealApps;

/// <summary>Issue 18, item 6, on SQLite files: see <see cref="JsonMemberTests"/>.</summary>
public sealed class JsonMemberSqliteTests : JsonMemberTests
{
    protected override Provider Provider => Provider.Sqlite;
}
