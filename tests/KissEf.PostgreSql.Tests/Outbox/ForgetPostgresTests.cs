using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 20, item 2, on the private PostgreSQL server: see <see cref="ForgetTests"/>.</summary>
public sealed class ForgetPostgresTests : ForgetTests
{
    protected override Provider Provider => Provider.Postgres;
}
