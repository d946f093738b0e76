namespace KissEf.Benchmarks.Model;

/// <summary>A type whose map is one event with two properties: the unit of "allocations per tracked call".</summary>
public class Visitor
{
    public int Id { get; set; }

    public string Email { get; set; } = string.Empty;

    public string Plan { get; set; } = string.Empty;

    public string Country { get; set; } = string.Empty;

    public static Visitor Create(int i) => new()
    {
        Email = $"visitor{UniquePerson.Next()}@example.com",
        Plan = i % 3 == 0 ? "pro" : "basic",
        Country = i % 2 == 0 ? "FR" : "US",
    };
}
