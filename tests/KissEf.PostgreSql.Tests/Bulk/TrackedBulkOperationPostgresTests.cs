using KissEf.Tests.Support;

namespace KissEf.Tests.Bulk;

/// <summary>Issue 18, item 1, on the private PostgreSQL server: see <see cref="TrackedBulkOperationTests"/>.</summary>
public sealed class TrackedBulkOperationPostgresTests : TrackedBulkOperationTests
{
    protected override Provider Provider => Provider.Postgres;
}
