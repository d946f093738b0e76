namespace KissEf.Benchmarks.Model;

/// <summary>The tracking maps the benchmarks use (issue 4).</summary>
public static class BenchMaps
{
    /// <summary>
    /// Customer: OnAdded().Record("Signed Up").With 2 properties, OnAdded().Set one property, and
    /// OnChanged(Plan).Record("Plan Changed") for the modification benchmark.
    /// </summary>
    public static KissTrackingBuilder MapCustomer(this KissTrackingBuilder kiss) => kiss.Entity<Customer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record("Signed Up").With("Plan", x => x.Plan).With("Country", x => x.Country);
        c.OnAdded().Set("Name", x => x.Name);
        c.OnChanged(x => x.Plan).Record("Plan Changed").With("Plan", x => x.Plan);
    });

    /// <summary>Visitor: one event with two properties per added entity.</summary>
    public static KissTrackingBuilder MapVisitor(this KissTrackingBuilder kiss) => kiss.Entity<Visitor>(v =>
    {
        v.HasIdentity(x => x.Email);
        v.OnAdded().Record("Visited").With("Plan", x => x.Plan).With("Country", x => x.Country);
    });
}
