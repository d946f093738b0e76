using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>Issue 19, item 1, on the private PostgreSQL server: see <see cref="DeadGroupTests"/>.</summary>
public sealed class DeadGroupPostgresTests : DeadGroupTests
{
    protected override Provider Provider => Provider.Postgres;
}
