using System.Collections.ObjectModel;

namespace KissEf.Tests.Protocol;

/// <summary>
/// Every kind of value a map can produce, by name (the name travels in the entity, the value is looked up by the
/// map's expression), with the text it must arrive as or the rule that refuses it.
/// </summary>
public static class BadInputCases
{
    /// <summary>The value limit (MaxPropertyValueLength's default) and the identity limit.</summary>
    public const int ValueLimit = 512;

    public const int IdentityLimit = 255;

    public const string LoneSurrogate = "lone UTF-16 surrogate";
    public const string Nul = "U+0000 (NUL)";
    public const string NotFinite = "NaN or an infinity";
    public const string Binary = "binary (byte[])";
    public const string Collection = "is a collection";
    public const string NoText = "has no text of its own";
    public const string Generated = "ToString() is generated";
    public const string Tuple = "is a tuple";

    private static readonly Guid SomeGuid = new("0f8fad5b-d9cb-469f-a165-70867728950e");

    /// <summary>Name → (value, the exact text it is sent as, or null; the rule that refuses it, or null).</summary>
    public static readonly ReadOnlyDictionary<string, (object? Value, string? Text, string? Rule)> Values = new Dictionary<string, (object?, string?, string?)>
    {
        ["lone high surrogate"] = ("a\uD800b", null, LoneSurrogate),
        ["lone low surrogate"] = ("\uDC00z", null, LoneSurrogate),
        ["surrogates reversed"] = ("\uDC00\uD800", null, LoneSurrogate),
        ["high surrogate at the end"] = ("ok\uD83C", null, LoneSurrogate),
        ["NUL"] = ("a\0b", null, Nul),
        ["control characters"] = ("\u0001\u0007\u001B\u007F\u0085", "\u0001\u0007\u001B\u007F\u0085", null),
        ["CR LF and tab"] = ("line 1\r\nline 2\tend", "line 1\r\nline 2\tend", null),
        ["RTL marks"] = ("\u200F\u05E9\u05DC\u05D5\u05DD \u202Eabc\u202C\u200E", "\u200F\u05E9\u05DC\u05D5\u05DD \u202Eabc\u202C\u200E", null),
        ["emoji"] = ("🎉 👩‍👩‍👧 🇫🇷", "🎉 👩‍👩‍👧 🇫🇷", null),
        ["key and identity injection"] = ("x&_k=stolen&_p=eve&_n=Hacked", "x&_k=stolen&_p=eve&_n=Hacked", null),
        ["percent escapes as text"] = ("%00%zz%2B%", "%00%zz%2B%", null),
        ["plus, space, reserved"] = ("a+b c=d?e#f/g@h:i,j;k", "a+b c=d?e#f/g@h:i,j;k", null),
        ["empty"] = (string.Empty, string.Empty, null),
        ["blank"] = ("   ", "   ", null),
        ["255 characters"] = (new string('i', IdentityLimit), new string('i', IdentityLimit), null),
        ["256 characters"] = (new string('j', IdentityLimit + 1), new string('j', IdentityLimit + 1), null),
        ["512 characters"] = (new string('v', ValueLimit), new string('v', ValueLimit), null),
        ["513 characters"] = (new string('w', ValueLimit + 1), new string('w', ValueLimit + 1), null),
        ["256 emoji (512 UTF-16 units)"] = (string.Concat(Enumerable.Repeat("🎉", 256)), string.Concat(Enumerable.Repeat("🎉", 256)), null),
        ["double NaN"] = (double.NaN, null, NotFinite),
        ["double +Infinity"] = (double.PositiveInfinity, null, NotFinite),
        ["double -Infinity"] = (double.NegativeInfinity, null, NotFinite),
        ["float NaN"] = (float.NaN, null, NotFinite),
        ["float +Infinity"] = (float.PositiveInfinity, null, NotFinite),
        ["Half NaN"] = (Half.NaN, null, NotFinite),
        ["double 0.1 + 0.2"] = (0.1 + 0.2, "0.30000000000000004", null),
        ["double MaxValue"] = (double.MaxValue, "1.7976931348623157E+308", null),
        ["double Epsilon"] = (double.Epsilon, "5E-324", null),
        ["double -0"] = (-0.0, "-0", null),
        ["float 1.1"] = (1.1f, "1.1", null),
        ["decimal"] = (1234567.25m, "1234567.25", null),
        ["decimal with trailing zero"] = (1.10m, "1.10", null),
        ["decimal MaxValue"] = (decimal.MaxValue, "79228162514264337593543950335", null),
        ["long MinValue"] = (long.MinValue, "-9223372036854775808", null),
        ["DateTime MinValue"] = (DateTime.MinValue, "0001-01-01T00:00:00Z", null),
        ["DateTime MaxValue"] = (DateTime.MaxValue, "9999-12-31T23:59:59.9999999Z", null),
        ["DateTime UTC before 2009"] = (new DateTime(2008, 12, 31, 23, 59, 59, DateTimeKind.Utc), "2008-12-31T23:59:59Z", null),
        ["DateTimeOffset +14:00"] = (new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)), "2023-12-31T10:00:00Z", null),
        ["DateTimeOffset -09:30"] = (new DateTimeOffset(2024, 1, 1, 20, 0, 0, new TimeSpan(-9, -30, 0)), "2024-01-02T05:30:00Z", null),
        ["DateTimeOffset MinValue"] = (DateTimeOffset.MinValue, "0001-01-01T00:00:00Z", null),
        ["DateTimeOffset MaxValue"] = (DateTimeOffset.MaxValue, "9999-12-31T23:59:59.9999999Z", null),
        ["DateOnly MinValue"] = (DateOnly.MinValue, "0001-01-01", null),
        ["TimeOnly MaxValue"] = (TimeOnly.MaxValue, "23:59:59.9999999", null),
        ["TimeSpan"] = (new TimeSpan(1, 2, 3, 4, 500), "1.02:03:04.5000000", null),
        ["Guid"] = (SomeGuid, "0f8fad5b-d9cb-469f-a165-70867728950e", null),
        ["enum value without a name"] = ((DayOfWeek)42, "42", null),
        ["char"] = ('é', "é", null),
        ["char lone surrogate"] = ('\uD800', null, LoneSurrogate),
        ["bool"] = (false, "false", null),
        ["Uri"] = (new Uri("https://x.test/a b?c=d&e"), "https://x.test/a b?c=d&e", null),
        ["byte[]"] = (new byte[] { 1, 2, 3 }, null, Binary),
        ["empty byte[]"] = (Array.Empty<byte>(), null, Binary),
        ["ReadOnlyMemory<byte>"] = (new ReadOnlyMemory<byte>([1, 2]), null, Binary),
        ["class without ToString"] = (new Textless { Name = "n" }, null, NoText),
        ["struct without ToString"] = (new TextlessPoint(1, 2), null, NoText),
        ["anonymous object"] = (new { Plan = "pro", Seats = 3 }, null, Generated),
        ["record"] = (new Money(9.99m, "EUR"), null, Generated),
        ["record struct"] = (new Size(1, 2), null, Generated),
        ["record with its own ToString"] = (new Sku("AB-12"), "AB-12", null),
        ["class with its own ToString"] = (new Labelled("gold"), "gold", null),
        ["ToString that returns null"] = (new NullText(), null, "returned null"),
        ["ToString with a lone surrogate"] = (new Labelled("x\uDBFF"), null, LoneSurrogate),
        ["List<int>"] = (new List<int> { 1, 2 }, null, Collection),
        ["int[]"] = (new[] { 1, 2 }, null, Collection),
        ["Dictionary"] = (new Dictionary<string, int> { ["a"] = 1 }, null, Collection),
        ["value tuple"] = ((1, "a"), null, Tuple),
    }.AsReadOnly();

    /// <summary>Name → the time mapped with At, and the rule that refuses it (null: sent as its Unix seconds).</summary>
    public static readonly ReadOnlyDictionary<string, (Func<DateTimeOffset> Time, string? Rule)> Times = new Dictionary<string, (Func<DateTimeOffset>, string?)>
    {
        ["one second before 2009"] = (() => new DateTimeOffset(2008, 12, 31, 23, 59, 59, TimeSpan.Zero), "before 2009-01-01"),
        ["2009-01-01 in +14:00 (2008 in UTC)"] = (() => new DateTimeOffset(2009, 1, 1, 10, 0, 0, TimeSpan.FromHours(14)), "before 2009-01-01"),
        ["2009-01-01 UTC"] = (() => new DateTimeOffset(2009, 1, 1, 0, 0, 0, TimeSpan.Zero), null),
        ["an offset of -12:00"] = (() => new DateTimeOffset(2024, 2, 29, 18, 0, 0, TimeSpan.FromHours(-12)), null),
        ["DateTimeOffset MinValue"] = (() => DateTimeOffset.MinValue, "before 2009-01-01"),
        ["DateTime MinValue"] = (() => new DateTimeOffset(DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)), "before 2009-01-01"),
        ["DateTimeOffset MaxValue"] = (() => DateTimeOffset.MaxValue, "after the save"),
        ["year 9999"] = (() => new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero), "after the save"),
        ["two days ahead"] = (() => DateTimeOffset.UtcNow.AddDays(2), "after the save"),
        ["an hour ahead (clock skew)"] = (() => DateTimeOffset.UtcNow.AddHours(1), null),
    }.AsReadOnly();

    public static TheoryData<string> ValueNames => [.. Values.Keys];

    public static TheoryData<string> TimeNames => [.. Times.Keys];

    /// <summary>The value of the case <paramref name="name"/>, for map expressions.</summary>
    public static object? Value(string? name) => Values[name!].Value;

    /// <summary>The time of the case <paramref name="name"/>, for map expressions.</summary>
    public static DateTimeOffset Time(string? name) => Times[name!].Time();

    public sealed class Textless
    {
        public string? Name { get; init; }
    }

    public readonly struct TextlessPoint(int x, int y)
    {
        public int X { get; } = x;

        public int Y { get; } = y;
    }

    public sealed record Money(decimal Amount, string Currency);

    public readonly record struct Size(int Width, int Height);

    public sealed record Sku(string Code)
    {
        public override string ToString() => Code;
    }

    public sealed class Labelled(string label)
    {
        public override string ToString() => label;
    }

    public sealed class NullText
    {
        public override string? ToString() => null;
    }
}
