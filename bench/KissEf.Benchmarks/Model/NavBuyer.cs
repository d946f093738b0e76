namespace KissEf.Benchmarks.Model;

/// <summary>eShop's buyer: the person of its orders' calls (<see cref="NavPurchase"/>).</summary>
public class NavBuyer
{
    public int Id { get; set; }

    public string IdentityGuid { get; set; } = string.Empty;
}
