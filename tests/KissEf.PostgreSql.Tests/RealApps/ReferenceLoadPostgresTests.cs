using KissEf.Tests.Support;

namespace KissEf.Tests.RealApps;

/// <summary>Issue 18, item 4, on the private PostgreSQL server: see <see cref="ReferenceLoadTests"/>.</summary>
public sealed class ReferenceLoadPostgresTests : ReferenceLoadTests
{
    protected override Provider Provider => Provider.Postgres;
}
