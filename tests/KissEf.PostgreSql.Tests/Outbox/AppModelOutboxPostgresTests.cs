using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 17, item 1, on the private PostgreSQL server: see <see cref="AppModelOutboxTests"/>.</summary>
public sealed class AppModelOutboxPostgresTests : AppModelOutboxTests
{
    protected override Provider Provider => Provider.Postgres;
}
