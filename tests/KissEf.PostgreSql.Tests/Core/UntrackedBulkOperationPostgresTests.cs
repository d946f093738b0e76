using KissEf.Tests.Support;

namespace KissEf.Tests.Core;

/// <summary>Issue 18, item 2, on the private PostgreSQL server: see <see cref="UntrackedBulkOperationTests"/>.</summary>
public sealed class UntrackedBulkOperationPostgresTests : UntrackedBulkOperationTests
{
    protected override Provider Provider => Provider.Postgres;
}
