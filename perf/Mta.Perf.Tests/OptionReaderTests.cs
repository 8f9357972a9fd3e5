using Mta.Perf.Common;

namespace Mta.Perf.Tests;

public class OptionReaderTests
{
    [Theory]
    [InlineData("60s", 60.0)]
    [InlineData("500ms", 0.5)]
    [InlineData("2m", 120.0)]
    [InlineData("1h", 3600.0)]
    [InlineData("1.5", 1.5)]
    [InlineData("0", 0.0)]
    [InlineData("1e3s", 1000.0)]
    public void Reads_a_time_with_an_optional_unit(string text, double seconds)
    {
        Assert.True(OptionReader.TryParseTime(text, out var time));
        Assert.Equal(TimeSpan.FromSeconds(seconds), time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ms")]
    [InlineData("soon")]
    [InlineData("-1s")]
    [InlineData("5d")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    [InlineData("1e300s")]
    [InlineData("922337203686")]
    public void Refuses_what_is_not_a_time_that_fits(string text) =>
        Assert.False(OptionReader.TryParseTime(text, out _));

    [Fact]
    public void Reads_every_kind_of_value_and_keeps_defaults_for_the_rest()
    {
        var options = Parse(["--count", "42", "--rate", "2.5", "--share", "1", "--wait", "250ms", "--file", "f", "--word", "abc", "--address", "::1", "--flag"]);
        Assert.NotNull(options);
        Assert.Equal((42L, 2.5, 1.0, TimeSpan.FromMilliseconds(250)), (options.Count, options.Rate, options.Share, options.Wait));
        Assert.Equal(("f", "abc", "::1", true), (options.File, options.Word, options.Address, options.Flag));
        Assert.Equal(new ToyOptions(), Parse([]));
    }

    [Fact]
    public void Takes_the_last_of_a_repeated_option() =>
        Assert.Equal(7, Parse(["--count", "3", "--count", "7"])!.Count);

    [Theory]
    [InlineData(new[] { "--count", "0" }, "--count must be a whole number from 1 to 100, not '0'")]
    [InlineData(new[] { "--count", "+5" }, "--count must be a whole number from 1 to 100, not '+5'")]
    [InlineData(new[] { "--count", "99999999999999999999" }, "--count must be a whole number from 1 to 100, not '99999999999999999999'")]
    [InlineData(new[] { "--rate", "0" }, "--rate must be a number greater than zero, not '0'")]
    [InlineData(new[] { "--rate", "Infinity" }, "--rate must be a number greater than zero, not 'Infinity'")]
    [InlineData(new[] { "--share", "1.01" }, "--share must be a number from 0 to 1, not '1.01'")]
    [InlineData(new[] { "--wait", "soon" }, "--wait: 'soon' is not a time such as 60s, 500ms or 2m")]
    [InlineData(new[] { "--wait", "0ms" }, "--wait must be greater than zero")]
    [InlineData(new[] { "--file", "" }, "--file must not be empty")]
    [InlineData(new[] { "--word", "a b" }, "--word must be lower-case letters, not 'a b'")]
    [InlineData(new[] { "--word", "" }, "--word must be lower-case letters, not ''")]
    [InlineData(new[] { "--address", "nowhere" }, "--address must be an IP address, not 'nowhere'")]
    [InlineData(new[] { "--count" }, "--count needs a value")]
    [InlineData(new[] { "--count", "--flag" }, "--count needs a value")]
    [InlineData(new[] { "--flag", "--colour", "red" }, "unknown option '--colour'")]
    [InlineData(new[] { "stray" }, "unknown option 'stray'")]
    [InlineData(new[] { "--flag", "--count", "13" }, "--flag and an unlucky --count do not go together")]
    public void Refuses_the_first_problem_with_its_message(string[] args, string message)
    {
        Assert.Null(OptionReader.Parse(args, new ToyOptions(), ReadOption, FindConflict, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Asks_for_help_anywhere_without_losing_the_other_options(string help)
    {
        var options = OptionReader.Parse(["--count", "5", help, "--flag"], new ToyOptions(), ReadOption, FindConflict, out var showHelp, out var error);
        Assert.Null(error);
        Assert.True(showHelp);
        Assert.Equal((5L, true), (options!.Count, options.Flag));
    }

    [Fact]
    public void Does_not_ask_for_help_unless_told()
    {
        OptionReader.Parse(["--flag"], new ToyOptions(), ReadOption, FindConflict, out var showHelp, out _);
        Assert.False(showHelp);
    }

    private static ToyOptions? Parse(string[] args)
    {
        var options = OptionReader.Parse(args, new ToyOptions(), ReadOption, FindConflict, out _, out var error);
        Assert.Null(error);
        return options;
    }

    private static ToyOptions? ReadOption(OptionReader option, ToyOptions options) => option.Name switch
    {
        "--count" => options with { Count = option.Integer(1, 100) },
        "--rate" => options with { Rate = option.PositiveNumber() },
        "--share" => options with { Share = option.Share() },
        "--wait" => options with { Wait = option.Time(allowZero: false) },
        "--file" => options with { File = option.NonEmpty() },
        "--word" => options with { Word = option.Text(char.IsAsciiLetterLower, "lower-case letters") },
        "--address" => options with { Address = AddressText(option) },
        "--flag" => options with { Flag = true },
        _ => null,
    };

    private static string AddressText(OptionReader option)
    {
        var text = option.Value();
        return System.Net.IPAddress.TryParse(text, out _) ? text : throw option.Invalid(text, "an IP address");
    }

    private static string? FindConflict(ToyOptions options) =>
        options.Flag && options.Count == 13 ? "--flag and an unlucky --count do not go together" : null;

    private sealed record ToyOptions
    {
        public long Count { get; init; } = 1;

        public double Rate { get; init; } = 1;

        public double Share { get; init; }

        public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(1);

        public string? File { get; init; }

        public string Word { get; init; } = "word";

        public string? Address { get; init; }

        public bool Flag { get; init; }
    }
}
