namespace Shop.Maps;

public sealed class Customer
{
    public int Id { get; set; }
    public required string Email { get; set; }
    public string? LegacyId { get; set; }
    public string? Plan { get; set; }
    public string? Gender { get; set; }
    public string? Country { get; set; }
    public string? Region { get; set; }
    public bool IsVip { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
