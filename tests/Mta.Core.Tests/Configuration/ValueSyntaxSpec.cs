using Mta.Core.Configuration;
using Xunit;

namespace Mta.Core.Tests.Configuration;

public sealed class ValueSyntaxSpec
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("45", 45 * TimeSpan.TicksPerSecond)]
    [InlineData("500ms", 500 * TimeSpan.TicksPerMillisecond)]
    [InlineData("90 s", 90 * TimeSpan.TicksPerSecond)]
    [InlineData("2 minutes", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("1 day", TimeSpan.TicksPerDay)]
    [InlineData("5D", 5 * TimeSpan.TicksPerDay)]
    [InlineData("2weeks", 14 * TimeSpan.TicksPerDay)]
    [InlineData("0.5s", TimeSpan.TicksPerSecond / 2)]
    public void Durations_should_parse(string text, long ticks)
    {
        Assert.True(ValueSyntax.TryParseDuration(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromTicks(ticks), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("1.2.3s")]
    [InlineData("5 fortnights")]
    [InlineData("99999999999999999999d")]
    [InlineData("1e3s")]
    public void Bad_durations_should_not_parse(string text)
    {
        Assert.False(ValueSyntax.TryParseDuration(text, out _));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100b", 100)]
    [InlineData("1kB", 1000)]
    [InlineData("1K", 1024)]
    [InlineData("1Ki", 1024)]
    [InlineData("1 KiB", 1024)]
    [InlineData("1.5M", 1_572_864)]
    [InlineData("3GB", 3_000_000_000)]
    [InlineData("2GiB", 2_147_483_648)]
    [InlineData("1TiB", 1_099_511_627_776)]
    [InlineData("4 mebibytes", 4_194_304)]
    public void Sizes_should_parse(string text, long bytes)
    {
        Assert.True(ValueSyntax.TryParseSize(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("-1")]
    [InlineData("10 Mib")]
    [InlineData("10 mB")]
    [InlineData("99999999999TiB")]
    public void Bad_sizes_should_not_parse(string text)
    {
        Assert.False(ValueSyntax.TryParseSize(text, out _));
    }

    [Theory]
    [InlineData("y")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("enabled")]
    public void Other_words_should_not_be_booleans(string text)
    {
        Assert.False(ValueSyntax.TryParseBoolean(text, out _));
    }
}
