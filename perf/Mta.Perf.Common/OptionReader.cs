using System.Globalization;

namespace Mta.Perf.Common;

/// <summary>
/// Reads a perf tool's command line of flags and "--name value" options, one option at a time,
/// checking each value and wording every error the same way for every tool.
/// </summary>
/// <remarks>
/// A tool supplies what its own options mean (<see cref="Parse{TOptions}"/>'s <c>readOption</c>);
/// the reader walks the arguments, hands out the value of the current option in the form asked
/// for, and turns the first problem into the one-line error the tool prints.
/// </remarks>
public sealed class OptionReader
{
    private readonly IReadOnlyList<string> _args;
    private int _index = -1;

    private OptionReader(IReadOnlyList<string> args) => _args = args;

    /// <summary>The option being read, as written on the command line, e.g. "--port".</summary>
    public string Name { get; private set; } = "";

    /// <summary>
    /// Parses <paramref name="args"/> into options, starting from <paramref name="defaults"/>.
    /// "--help" and "-h" are accepted anywhere and only set <paramref name="showHelp"/>.
    /// </summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="defaults">The options when nothing is given.</param>
    /// <param name="readOption">
    /// Applies the option named by <see cref="Name"/> to the options so far, reading its value (if it
    /// takes one) from the reader; returns null when the tool has no option of that name.
    /// </param>
    /// <param name="findConflict">Checks the finished options as a whole; returns the error, or null when they fit together.</param>
    /// <param name="showHelp">Whether "--help" or "-h" was given.</param>
    /// <param name="error">Why the command line was refused; null when it was accepted.</param>
    /// <returns>The options, or null when the command line is invalid.</returns>
    public static TOptions? Parse<TOptions>(
        IReadOnlyList<string> args,
        TOptions defaults,
        Func<OptionReader, TOptions, TOptions?> readOption,
        Func<TOptions, string?> findConflict,
        out bool showHelp,
        out string? error)
        where TOptions : class
    {
        showHelp = false;
        error = null;
        var reader = new OptionReader(args);
        var options = defaults;
        try
        {
            while (++reader._index < args.Count)
            {
                // Kept apart from the index, which moves on to the value once that is read.
                reader.Name = args[reader._index];
                if (reader.Name is "--help" or "-h")
                {
                    showHelp = true;
                    continue;
                }

                options = readOption(reader, options) ?? throw new FormatException($"unknown option '{reader.Name}'");
            }
        }
        catch (FormatException exception)
        {
            error = exception.Message;
            return null;
        }

        error = findConflict(options);
        return error is null ? options : null;
    }

    /// <summary>
    /// Parses "60s", "500ms", "2m", "1h" or a bare number of seconds; false for anything else,
    /// a negative time, or one too long for a <see cref="TimeSpan"/>.
    /// </summary>
    public static bool TryParseTime(string text, out TimeSpan time)
    {
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };

        // Strictly below the largest TimeSpan so that rounding in the double cannot overflow it.
        var valid = double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && value >= 0
            && value * scale < TimeSpan.MaxValue.TotalSeconds;
        time = valid ? TimeSpan.FromSeconds(value * scale) : default;
        return valid;
    }

    /// <summary>The value of the current option: the next argument, which must be there and not be another option.</summary>
    /// <exception cref="FormatException">"--name needs a value".</exception>
    public string Value()
    {
        if (_index + 1 >= _args.Count || _args[_index + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new FormatException($"{Name} needs a value");
        }

        return _args[++_index];
    }

    /// <summary>A value that is not empty, such as a file name.</summary>
    /// <exception cref="FormatException">The value is missing or empty.</exception>
    public string NonEmpty()
    {
        var text = Value();
        return text.Length > 0 ? text : throw new FormatException($"{Name} must not be empty");
    }

    /// <summary>A non-empty value made only of characters that <paramref name="isAllowed"/> accepts.</summary>
    /// <param name="isAllowed">Whether a character may appear in the value.</param>
    /// <param name="expected">What the value must be, for the error: "--name must be {expected}, not '...'".</param>
    /// <exception cref="FormatException">The value is missing, empty or has a character not allowed.</exception>
    public string Text(Func<char, bool> isAllowed, string expected)
    {
        var text = Value();
        return text.Length > 0 && text.All(isAllowed) ? text : throw Invalid(text, expected);
    }

    /// <summary>A whole number, digits only (no sign), from <paramref name="min"/> to <paramref name="max"/> inclusive.</summary>
    /// <exception cref="FormatException">The value is missing, not a whole number or out of range.</exception>
    public long Integer(long min, long max)
    {
        var text = Value();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Invalid(text, $"a whole number from {min} to {max}");
    }

    /// <summary>A finite number greater than zero, such as a rate.</summary>
    /// <exception cref="FormatException">The value is missing, not a number, infinite, or zero or less.</exception>
    public double PositiveNumber()
    {
        var text = Value();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
            ? value
            : throw Invalid(text, "a number greater than zero");
    }

    /// <summary>A share from 0 to 1 inclusive, such as the part of messages to defer.</summary>
    /// <exception cref="FormatException">The value is missing, not a number or outside 0 to 1.</exception>
    public double Share()
    {
        var text = Value();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw Invalid(text, "a number from 0 to 1");
    }

    /// <summary>A time as <see cref="TryParseTime"/> reads it; zero only when <paramref name="allowZero"/>.</summary>
    /// <exception cref="FormatException">The value is missing, not a time, or zero when zero is not allowed.</exception>
    public TimeSpan Time(bool allowZero)
    {
        var text = Value();
        if (!TryParseTime(text, out var time))
        {
            throw new FormatException($"{Name}: '{text}' is not a time such as 60s, 500ms or 2m");
        }

        return time > TimeSpan.Zero || allowZero ? time : throw new FormatException($"{Name} must be greater than zero");
    }

    /// <summary>
    /// The error for a value of the current option that a tool checks itself: "--name must be {expected}, not '{text}'".
    /// </summary>
    /// <param name="text">The value as given.</param>
    /// <param name="expected">What it must be, e.g. "an IP address".</param>
    /// <returns>The exception to throw from within <see cref="Parse{TOptions}"/>'s <c>readOption</c>.</returns>
    public FormatException Invalid(string text, string expected) =>
        new($"{Name} must be {expected}, not '{text}'");
}
