namespace KissEf.Benchmarks.Model;

/// <summary>The mapped type: "Signed Up" (2 properties) and a property set when added; "Plan Changed" on OnChanged(Plan).</summary>
public class Customer
{
    public int Id { get; set; }

    public string Email { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string Plan { get; set; } = string.Empty;

    public string Country { get; set; } = string.Empty;

    public int Visits { get; set; }

    public DateTime LastSeen { get; set; }

    public static Customer Create(int i) => new()
    {
        Email = $"user{UniquePerson.Next()}@example.com",
        Name = $"User {i}",
        Plan = i % 3 == 0 ? "pro" : "basic",
        Country = i % 2 == 0 ? "FR" : "US",
        Visits = i % 7,
        LastSeen = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc).AddMinutes(i),
    };
}
