namespace Shop.Maps;

/// <summary>A member of one tenant; the same e-mail may be a member of several tenants.</summary>
public sealed class Member
{
    public int Id { get; set; }
    public required string Email { get; set; }
}
