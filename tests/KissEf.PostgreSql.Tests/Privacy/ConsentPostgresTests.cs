using KissEf.Tests.Support;

namespace KissEf.Tests.Privacy;

/// <summary>Issue 20, item 1, on the private PostgreSQL server: see <see cref="ConsentTests"/>.</summary>
public sealed class ConsentPostgresTests : ConsentTests
{
    protected override Provider Provider => Provider.Postgres;
}
