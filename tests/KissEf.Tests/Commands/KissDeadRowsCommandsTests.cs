using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary>The ages <c>kissef purge --older-than</c> takes: a count and a unit, or a TimeSpan; positive.</summary>
public sealed class KissDeadRowsCommandsTests
{
    [Theory]
    [InlineData("30d", 30 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("90m", 90)]
    [InlineData("1.00:00:00", 24 * 60)]
    public void An_age_is_a_count_and_a_unit_or_a_TimeSpan(string text, int minutes)
    {
        Assert.True(KissDeadRowsCommands.ParseAge(text, out var age));
        Assert.Equal(TimeSpan.FromMinutes(minutes), age);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30w")]
    [InlineData("-1d")]
    [InlineData("0d")]
    [InlineData("soon")]
    public void Anything_else_is_refused(string text) => Assert.False(KissDeadRowsCommands.ParseAge(text, out _));
}
