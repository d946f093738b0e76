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
        var slots = new List<string>();
        value.Compile(name =>
        {
            if (!slots.Contains(name))
            {
                slots.Add(name);
            }

            return slots.IndexOf(name);
        });
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
