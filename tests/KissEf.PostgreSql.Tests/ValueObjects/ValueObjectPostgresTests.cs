using KissEf.Tests.Support;
using KissEf.Tests.Support.ValueObjects;

namespace KissEf.Tests.ValueObjects;

/// <summary>Issue 18, item 5, on the private PostgreSQL server: see <see cref="ValueObjectTests"/>.</summary>
public sealed class ValueObjectPostgresTests : ValueObjectTests
{
    protected override Provider Provider => Provider.Postgres;
}
