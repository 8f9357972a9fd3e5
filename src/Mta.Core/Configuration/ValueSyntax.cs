using System.Globalization;

namespace Mta.Core.Configuration;

/// <summary>
/// Parsers for the scalar forms a setting may take: HOCON durations and byte sizes, and the
/// Postfix forms operators bring along (a bare number of seconds, <c>yes</c>/<c>no</c>).
/// </summary>
internal static class ValueSyntax
{
    /// <summary>How durations are described in error messages.</summary>
    public const string DurationForm = "a duration such as 300s, 5m, 1h, 5d or a bare number of seconds";

    /// <summary>How byte sizes are described in error messages.</summary>
    public const string SizeForm = "a size in bytes such as 10240000, or with a unit such as 512KiB, 64MiB, 10MB";

    /// <summary>How booleans are described in error messages.</summary>
    public const string BooleanForm = "yes, no, on, off, true or false";

    private static readonly Dictionary<string, long> TicksPerDurationUnit = BuildDurationUnits();

    private static readonly Dictionary<string, long> BytesPerSizeUnit = BuildSizeUnits();

    /// <summary>
    /// Parses a duration. A number without a unit is seconds, as in Postfix (Akka would read
    /// milliseconds; an MTA setting written the Postfix way must not become 1000 times shorter).
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!TrySplitNumberAndUnit(text, out decimal number, out string unit))
        {
            return false;
        }

        long ticksPerUnit;
        if (unit.Length == 0)
        {
            ticksPerUnit = TimeSpan.TicksPerSecond;
        }
        else if (!TicksPerDurationUnit.TryGetValue(unit, out ticksPerUnit))
        {
            return false;
        }

        decimal ticks;
        try
        {
            ticks = decimal.Round(number * ticksPerUnit, MidpointRounding.AwayFromZero);
        }
        catch (OverflowException)
        {
            return false;
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>
    /// Parses a byte size: a plain number of bytes or a number with a HOCON size unit
    /// (<c>kB</c>/<c>MB</c>/<c>GB</c> are powers of 1000, <c>K</c>/<c>Ki</c>/<c>KiB</c> and so on powers of 1024).
    /// </summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        if (!TrySplitNumberAndUnit(text, out decimal number, out string unit))
        {
            return false;
        }

        long bytesPerUnit = 1;
        if (unit.Length != 0 && !BytesPerSizeUnit.TryGetValue(unit, out bytesPerUnit))
        {
            return false;
        }

        decimal total;
        try
        {
            total = decimal.Truncate(number * bytesPerUnit);
        }
        catch (OverflowException)
        {
            return false;
        }

        if (total > long.MaxValue)
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>Parses yes/no, on/off and true/false, ignoring case.</summary>
    public static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "yes" or "on" or "true":
                value = true;
                return true;
            case "no" or "off" or "false":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Parses a whole decimal number, optionally signed.</summary>
    public static bool TryParseLong(string text, out long value) =>
        long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool TrySplitNumberAndUnit(string text, out decimal number, out string unit)
    {
        number = 0;
        unit = string.Empty;
        ReadOnlySpan<char> span = text.AsSpan().Trim();
        int end = 0;
        while (end < span.Length && (char.IsAsciiDigit(span[end]) || span[end] == '.'))
        {
            end++;
        }

        // Negative values are not a form any of these settings accept, so no sign is read.
        if (end == 0 || !decimal.TryParse(span[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        unit = span[end..].TrimStart().ToString();
        return true;
    }

    private static Dictionary<string, long> BuildDurationUnits()
    {
        // HOCON's duration units plus Postfix's w (weeks); unit names ignore case.
        var units = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        void Add(long ticks, params string[] names)
        {
            foreach (string name in names)
            {
                units.Add(name, ticks);
            }
        }

        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        Add(TimeSpan.TicksPerDay * 7, "w", "week", "weeks");
        return units;
    }

    private static Dictionary<string, long> BuildSizeUnits()
    {
        // Units exactly as the HOCON specification spells them: case matters (kB is 1000, K is 1024).
        var units = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(long bytes, params string[] names)
        {
            foreach (string name in names)
            {
                units.Add(name, bytes);
            }
        }

        Add(1, "B", "b", "byte", "bytes");
        Add(1_000, "kB", "kilobyte", "kilobytes");
        Add(1_000_000, "MB", "megabyte", "megabytes");
        Add(1_000_000_000, "GB", "gigabyte", "gigabytes");
        Add(1_000_000_000_000, "TB", "terabyte", "terabytes");
        Add(1L << 10, "K", "k", "Ki", "KiB", "kibibyte", "kibibytes");
        Add(1L << 20, "M", "m", "Mi", "MiB", "mebibyte", "mebibytes");
        Add(1L << 30, "G", "g", "Gi", "GiB", "gibibyte", "gibibytes");
        Add(1L << 40, "T", "t", "Ti", "TiB", "tebibyte", "tebibytes");
        return units;
    }
}
