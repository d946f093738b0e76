namespace Shop;

#region customer
public sealed class Customer
{
    public int Id { get; set; }
    public required string Email { get; set; }
    public string? Plan { get; set; }
}
#endregion
