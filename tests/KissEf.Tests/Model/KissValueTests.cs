using KissEf.Internal.Model;

namespace KissEf.Tests.Model;

/// <summary>
/// A compiled map value reads every member path EF maps from the values it is given (EF's entries, in a save), and
/// the rest from the CLR object: here with values of a test's own, no EF entry involved.
/// </summary>
public sealed class KissValueTests
{
    [Fact]
    public void A_mapped_path_is_read_from_the_values_and_an_unmapped_one_from_the_object()
    {
        var value = KissValue<Order>.From(o => o.Number + "/" + o.Note);
        var slots = CompileWithSlots(value);
        var values = new SlotValues(mapped: slots.IndexOf("Number"), value: 42);

        Assert.Equal("42/as set", value.Read(new Order { Number = 7, Note = "as set" }, values));
        Assert.Equal(1, values.Reads);
    }

    [Fact]
    public void A_plain_member_path_gets_its_slot_and_bit()
    {
        var value = KissValue<Order>.From(o => o.Note);
        value.Compile(_ => 3);

        Assert.Equal("Note", value.MemberName);
        Assert.Equal(3, value.Slot);
        Assert.Equal(1UL << 3, value.Bit);
    }

    [Fact]
    public void A_value_of_the_entity_and_a_service_reads_the_entitys_paths_from_the_values_and_the_service_as_given()
    {
        var value = KissValue<Order>.From<Tenant, object?>((o, t) => t.Id + ":" + o.Number + "/" + o.Note);
        var slots = CompileWithSlots(value);
        var values = new SlotValues(mapped: slots.IndexOf("Number"), value: 42);

        Assert.Equal(typeof(Tenant), value.ServiceType);
        Assert.Equal(["Number", "Note"], slots);
        Assert.Equal("acme:42/as set", value.ReadWithService(new Order { Number = 7, Note = "as set" }, new Tenant { Id = "acme" }, values));
        Assert.Equal(1, values.Reads);
        Assert.Throws<InvalidOperationException>(() => value.Read);
    }

    [Fact]
    public void A_services_member_is_never_a_slot_even_when_the_entity_has_a_member_of_that_name()
    {
        // The tenant's Note is the service's: rewriting it to the entity's "Note" slot would read the order's note.
        var value = KissValue<Order>.From<Tenant, object?>((o, t) => t.Note + "|" + o.Note);
        var slots = new List<string>();
        value.Compile(name =>
        {
            slots.Add(name);
            return slots.Count - 1;
        });

        Assert.Equal(["Note"], slots);
        Assert.Null(value.MemberName);
        var values = new SlotValues(mapped: 0, value: "order's, as saved");
        Assert.Equal("tenant's|order's, as saved", value.ReadWithService(new Order { Note = "order's, on the object" }, new Tenant { Note = "tenant's" }, values));
    }

    [Fact]
    public void A_plain_member_path_of_the_entity_with_a_service_keeps_its_slot()
    {
        var value = KissValue<Order>.From<Tenant, object?>((o, t) => o.Note);
        value.Compile(_ => 2);

        Assert.Equal("Note", value.MemberName);
        Assert.Equal(2, value.Slot);
    }

    /// <summary>Compiles <paramref name="value"/>, giving each member path a slot in order; returns the paths by slot.</summary>
    private static List<string> CompileWithSlots(KissValue<Order> value)
    {
        var slots = new List<string>();
        value.Compile(name =>
        {
            if (!slots.Contains(name))
            {
                slots.Add(name);
            }

            return slots.IndexOf(name);
        });
        return slots;
    }

    private sealed class Tenant
    {
        public string? Id { get; set; }

        public string? Note { get; set; }
    }

    private sealed class Order
    {
        public int Number { get; set; }

        public string Note { get; set; } = string.Empty;
    }

    /// <summary>Values that map one slot (with an EF path, as a save's entry would) and count the reads.</summary>
    private sealed class SlotValues : KissSlotValues
    {
        private readonly object _value;

        public SlotValues(int mapped, object value)
        {
            _value = value;
            var paths = new KissMemberPath?[mapped + 2];
            paths[mapped] = Path();
            Point(paths, fromEntries: true);
        }

        public int Reads { get; private set; }

        public override object? Read(int slot)
        {
            Reads++;
            return _value;
        }

        private static KissMemberPath Path()
        {
            var builder = new Microsoft.EntityFrameworkCore.ModelBuilder();
            builder.Entity<Order>().HasKey(o => o.Number);
            var type = (Microsoft.EntityFrameworkCore.Metadata.IEntityType)builder.Model.FindEntityType(typeof(Order))!;
            return KissMemberPath.Resolve(type, "Number")!;
        }
    }
}
