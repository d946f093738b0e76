namespace KissEf.Tests.Postgres;

/// <summary>One private PostgreSQL server for every test that needs it.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
