using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Mta.Core.Configuration;

/// <summary>
/// Reads typed values out of a <see cref="Config"/>, turning every problem into a
/// <see cref="ConfigurationException"/> that names the key and the accepted form.
/// </summary>
internal sealed class SettingReader(Config config)
{
    /// <summary>The configuration being read.</summary>
    public Config Config { get; } = config;

    /// <summary>Reads a string; an empty string is allowed.</summary>
    public string String(string key, string expected = "a string") => Scalar(key, expected);

    /// <summary>Reads a yes/no/on/off/true/false value.</summary>
    public bool Boolean(string key)
    {
        string text = Scalar(key, ValueSyntax.BooleanForm);
        return ValueSyntax.TryParseBoolean(text, out bool value)
            ? value
            : throw ConfigurationException.InvalidValue(key, text, ValueSyntax.BooleanForm);
    }

    /// <summary>Reads a whole number within <paramref name="minimum"/>..<paramref name="maximum"/>.</summary>
    public int Int(string key, int minimum, int maximum = int.MaxValue, string? meaning = null)
    {
        string expected = maximum == int.MaxValue
            ? $"a whole number of at least {minimum}"
            : $"a whole number from {minimum} to {maximum}";
        if (meaning is not null)
        {
            expected += $" ({meaning})";
        }

        string text = Scalar(key, expected);
        return ValueSyntax.TryParseLong(text, out long value) && value >= minimum && value <= maximum
            ? (int)value
            : throw ConfigurationException.InvalidValue(key, text, expected);
    }

    /// <summary>Reads a byte size of at least <paramref name="minimum"/> bytes.</summary>
    public long Size(string key, long minimum, string? meaning = null)
    {
        string expected = minimum switch
        {
            <= 0 => ValueSyntax.SizeForm,
            1 => $"{ValueSyntax.SizeForm}, greater than zero",
            _ => $"{ValueSyntax.SizeForm}, at least {minimum} bytes",
        };
        if (meaning is not null)
        {
            expected += $" ({meaning})";
        }

        string text = Scalar(key, expected);
        return ValueSyntax.TryParseSize(text, out long bytes) && bytes >= minimum
            ? bytes
            : throw ConfigurationException.InvalidValue(key, text, expected);
    }

    /// <summary>Reads a duration of at least <paramref name="minimum"/>.</summary>
    public TimeSpan Duration(string key, TimeSpan minimum)
    {
        string expected = minimum > TimeSpan.Zero ? $"{ValueSyntax.DurationForm}, greater than zero" : ValueSyntax.DurationForm;
        string text = Scalar(key, expected);
        return ValueSyntax.TryParseDuration(text, out TimeSpan duration) && duration >= minimum
            ? duration
            : throw ConfigurationException.InvalidValue(key, text, expected);
    }

    /// <summary>
    /// Reads a list of non-empty strings. A single string is accepted too and split at commas and
    /// whitespace, the way Postfix writes lists (<c>127.0.0.0/8, [::1]/128</c>).
    /// </summary>
    public IReadOnlyList<string> StringList(string key, string elementForm)
    {
        string expected = $"a list of {elementForm}, such as [\"a\", \"b\"]";
        HoconValue value = Node(key);
        if (IsList(value))
        {
            IList<HoconValue> elements = value.GetArray();
            var result = new List<string>(elements.Count);
            for (int i = 0; i < elements.Count; i++)
            {
                string? element = elements[i].IsString() ? elements[i].GetString() : null;
                if (string.IsNullOrWhiteSpace(element))
                {
                    throw new ConfigurationException(key, $"Invalid value for '{key}': element {i + 1} is empty or not a string; expected {expected}.");
                }

                result.Add(element.Trim());
            }

            return result;
        }

        string text = Scalar(key, expected);
        return text.Split([',', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>True when the value is a HOCON array (Akka's IsArray is false for an empty one).</summary>
    public static bool IsList(HoconValue value) => value.Values.Count > 0 && value.Values.TrueForAll(element => element.IsArray());

    /// <summary>Returns the value at <paramref name="key"/> or throws naming the missing key.</summary>
    public HoconValue Node(string key) =>
        Config.GetValue(key) ?? throw new ConfigurationException(key, $"Missing configuration key '{key}'.");

    private string Scalar(string key, string expected)
    {
        HoconValue value = Node(key);
        if (value.IsObject())
        {
            throw new ConfigurationException(key, $"Invalid value for '{key}': it is a section ({{ ... }}); expected {expected}.");
        }

        if (IsList(value))
        {
            throw new ConfigurationException(key, $"Invalid value for '{key}': it is a list ([ ... ]); expected {expected}.");
        }

        string? text = value.IsString() ? value.GetString() : null;
        return text ?? throw new ConfigurationException(key, $"Invalid value for '{key}': it has no value; expected {expected}.");
    }
}
