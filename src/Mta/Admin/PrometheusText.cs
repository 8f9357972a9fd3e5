using System.Globalization;
using System.Text;

namespace Mta.Admin;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4: <c># HELP</c> and <c># TYPE</c> lines per
/// metric, then one line per series; histograms as cumulative <c>_bucket{le="..."}</c> lines,
/// <c>_sum</c> and <c>_count</c>. Pure: no I/O, no clock.
/// </summary>
public static class PrometheusText
{
    /// <summary>The Content-Type of a scrape answer in this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// The Prometheus name of an instrument: characters outside <c>[a-zA-Z0-9_:]</c> become <c>_</c>,
    /// a leading digit gets a <c>_</c> before it, and a counter ends in <c>_total</c>.
    /// </summary>
    public static string FamilyName(string instrumentName, MetricType type)
    {
        string name = Sanitize(instrumentName, allowColon: true);
        return type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    /// <summary>The Prometheus label name of a tag: characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>, a leading digit gets a <c>_</c> before it.</summary>
    public static string LabelName(string tagName) => Sanitize(tagName, allowColon: false);

    /// <summary>Writes every family in the order given.</summary>
    public static string Format(IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        var text = new StringBuilder();
        foreach (MetricFamily family in families)
        {
            if (family.Help.Length > 0)
                text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
            foreach (MetricPoint point in family.Points)
            {
                switch (point)
                {
                    case ValuePoint value:
                        AppendSample(text, family.Name, value.Labels, extraLabel: null, FormatValue(value.Value));
                        break;
                    case HistogramPoint histogram:
                        AppendHistogram(text, family.Name, histogram);
                        break;
                }
            }
        }

        return text.ToString();
    }

    /// <summary>A sample value as the format writes it: <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, or the shortest round-trip decimal form.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static void AppendHistogram(StringBuilder text, string name, HistogramPoint histogram)
    {
        long cumulative = 0;
        for (int i = 0; i < histogram.UpperBounds.Count; i++)
        {
            cumulative += histogram.BucketCounts[i];
            AppendSample(text, name + "_bucket", histogram.Labels, FormatValue(histogram.UpperBounds[i]), cumulative.ToString(CultureInfo.InvariantCulture));
        }

        long count = histogram.Count;
        AppendSample(text, name + "_bucket", histogram.Labels, "+Inf", count.ToString(CultureInfo.InvariantCulture));
        AppendSample(text, name + "_sum", histogram.Labels, extraLabel: null, FormatValue(histogram.Sum));
        AppendSample(text, name + "_count", histogram.Labels, extraLabel: null, count.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendSample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? extraLabel, string value)
    {
        text.Append(name);
        if (labels.Count > 0 || extraLabel is not null)
        {
            text.Append('{');
            string separator = string.Empty;
            foreach ((string label, string labelValue) in labels)
            {
                text.Append(separator).Append(label).Append("=\"").Append(EscapeLabelValue(labelValue)).Append('"');
                separator = ",";
            }

            // The bucket bound goes last, as Prometheus's own client libraries write it.
            if (extraLabel is not null)
                text.Append(separator).Append("le=\"").Append(extraLabel).Append('"');
            text.Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown metric type"),
    };

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Sanitize(string name, bool allowColon)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var result = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0])) result.Append('_');
        foreach (char c in name)
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        return result.ToString();
    }
}
