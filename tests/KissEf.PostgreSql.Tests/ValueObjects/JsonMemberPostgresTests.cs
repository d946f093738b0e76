using KissEf.Tests.Support;
using KissEf.Tests.Support.ValueObjects;

namespace KissEf.Tests.ValueObjects;

/// <summary>Issue 18, item 6, on the private PostgreSQL server (jsonb columns): see <see cref="JsonMemberTests"/>.</summary>
public sealed class JsonMemberPostgresTests : JsonMemberTests
{
    protected override Provider Provider => Provider.Postgres;
}
