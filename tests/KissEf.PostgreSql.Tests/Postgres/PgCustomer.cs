namespace KissEf.Tests.Postgres;

public sealed class PgCustomer
{
    public int Id { get; set; }

    public string Email { get; set; } = string.Empty;

    public string Plan { get; set; } = "free";
}
