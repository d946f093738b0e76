namespace KissEf.Benchmarks.Model;

/// <summary>eShop's order: its calls' person is its buyer's IdentityGuid, read through the navigation.</summary>
public class NavPurchase
{
    public int Id { get; set; }

    public int? BuyerId { get; set; }

    public NavBuyer? Buyer { get; set; }

    public string Status { get; set; } = "submitted";
}
