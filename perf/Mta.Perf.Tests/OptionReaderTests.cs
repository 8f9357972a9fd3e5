using Mta.Perf.Common;

namespace Mta.Perf.Tests;

public class OptionReaderTests
{
    public static TheoryData<string, TimeSpan> Times => new()
    {
        { "60s", TimeSpan.FromSeconds(60) },
        { "500ms", TimeSpan.FromMilliseconds(500) },
        { "2m", TimeSpan.FromMinutes(2) },
        { "1h", TimeSpan.FromHours(1) },
        { "1.5", TimeSpan.FromSeconds(1.5) },
        { "1e3s", TimeSpan.FromSeconds(1000) },
        { "0", TimeSpan.Zero },
    };

    // Days are not a unit; the last three do not fit in a TimeSpan.
    public static TheoryData<string> NotTimes => ["", "ms", "soon", "-1s", "5d", "NaN", "1e400", "1e300s", "922337203686"];

    public static TheoryData<string, string, string> ValuesOfTheWrongForm => new()
    {
        { "--count", "0", "a whole number from 1 to 100" },
        { "--count", "+5", "a whole number from 1 to 100" },
        { "--count", "99999999999999999999", "a whole number from 1 to 100" },
        { "--rate", "Infinity", "a number greater than zero" },
        { "--share", "1.01", "a number from 0 to 1" },
        { "--word", "a b", "lower-case letters" },
        { "--word", "", "lower-case letters" },
        { "--address", "nowhere", "an IP address" },
    };

    public static TheoryData<string[], string> CommandLinesThatDoNotParse => new()
    {
        { ["--wait", "soon"], "--wait: 'soon' is not a time such as 60s, 500ms or 2m" },
        { ["--wait", "0ms"], "--wait must be greater than zero" },
        { ["--file", ""], "--file must not be empty" },
        { ["--count"], "--count needs a value" },
        { ["--count", "--flag"], "--count needs a value" },
        { ["--flag", "--colour", "red"], "unknown option '--colour'" },
        { ["stray"], "unknown option 'stray'" },
        { ["--flag", "--count", "13"], "--flag and an unlucky --count do not go together" },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Reads_a_time_with_an_optional_unit(string text, TimeSpan expected)
    {
        Assert.True(OptionReader.TryParseTime(text, out var time));
        Assert.Equal(expected, time);
    }

    [Theory]
    [MemberData(nameof(NotTimes))]
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
    [MemberData(nameof(ValuesOfTheWrongForm))]
    public void Refuses_a_value_of_the_wrong_form_naming_the_option_and_the_form(string name, string value, string expected) =>
        Assert.Equal($"{name} must be {expected}, not '{value}'", Error([name, value]));

    [Theory]
    [MemberData(nameof(CommandLinesThatDoNotParse))]
    public void Refuses_the_first_problem_with_its_message(string[] args, string message) =>
        Assert.Equal(message, Error(args));

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

    private static string? Error(string[] args)
    {
        Assert.Null(OptionReader.Parse(args, new ToyOptions(), ReadOption, FindConflict, out _, out var error));
        return error;
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
