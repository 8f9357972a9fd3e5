using System.Globalization;
using System.Text.RegularExpressions;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>One sample line of a scrape.</summary>
internal sealed record ScrapedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// An independent reading of the Prometheus text format 0.0.4, as a scraper would read it: every
/// line is a HELP, TYPE, comment or sample line; a TYPE comes before its family's samples, once;
/// a family's samples are together; histograms have cumulative buckets ending in <c>le="+Inf"</c>
/// equal to <c>_count</c>; counters end in <c>_total</c>.
/// </summary>
internal static partial class ExpositionFormat
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>Every sample in <paramref name="text"/>, or the first problem with its line as an exception.</summary>
    public static IReadOnlyList<ScrapedSample> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the last line does not end with a line feed");
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var finishedFamilies = new HashSet<string>(StringComparer.Ordinal);
        var samples = new List<ScrapedSample>();
        string? currentFamily = null;
        var lines = text.Split('\n')[..^1];
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            string where = $"line {i + 1} \"{line}\"";
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || !MetricName().IsMatch(parts[2]) || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    throw new FormatException($"{where}: malformed TYPE line");
                if (!types.TryAdd(parts[2], parts[3])) throw new FormatException($"{where}: a second TYPE for {parts[2]}");
                if (parts[3] == "counter" && !parts[2].EndsWith("_total", StringComparison.Ordinal)) throw new FormatException($"{where}: a counter whose name does not end in _total");
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                if (line.Split(' ', 4).Length < 4 || !MetricName().IsMatch(line.Split(' ', 4)[2])) throw new FormatException($"{where}: malformed HELP line");
                continue;
            }
            if (line.StartsWith('#')) continue;

            var sample = ParseSample(line, where);
            string family = FamilyOf(sample.Name, types);
            if (!types.ContainsKey(family)) throw new FormatException($"{where}: a sample before the TYPE of its family");
            if (family != currentFamily)
            {
                if (currentFamily is not null) finishedFamilies.Add(currentFamily);
                if (finishedFamilies.Contains(family)) throw new FormatException($"{where}: the samples of {family} are not together");
                currentFamily = family;
            }
            samples.Add(sample);
        }

        foreach (var (family, type) in types.Where(t => t.Value == "histogram"))
            CheckHistogram(family, samples.Where(s => FamilyOf(s.Name, types) == family).ToList());
        return samples;
    }

    /// <summary>The value of the sample named <paramref name="name"/> without labels, or null when there is none.</summary>
    public static double? ValueOf(IReadOnlyList<ScrapedSample> samples, string name) =>
        samples.FirstOrDefault(s => s.Name == name && s.Labels.Count == 0)?.Value;

    private static ScrapedSample ParseSample(string line, string where)
    {
        var match = SampleLine().Match(line);
        if (!match.Success) throw new FormatException($"{where}: not a sample line");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (match.Groups["labels"].Success && match.Groups["labels"].Value.Length > 0)
        {
            string rest = match.Groups["labels"].Value;
            while (rest.Length > 0)
            {
                var label = LabelPair().Match(rest);
                if (!label.Success) throw new FormatException($"{where}: malformed label list at \"{rest}\"");
                if (!labels.TryAdd(label.Groups["name"].Value, Unescape(label.Groups["value"].Value))) throw new FormatException($"{where}: a label given twice");
                rest = rest[label.Length..];
            }
        }
        return new ScrapedSample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value, where));
    }

    private static double ParseValue(string text, string where) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw new FormatException($"{where}: \"{text}\" is not a value"),
    };

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (var suffix in HistogramSuffixes)
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sampleName[..^suffix.Length], out var type) && type == "histogram")
                return sampleName[..^suffix.Length];
        }
        return sampleName;
    }

    private static void CheckHistogram(string family, List<ScrapedSample> samples)
    {
        foreach (var series in samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))))
        {
            var buckets = series.Where(s => s.Name == family + "_bucket").ToList();
            if (buckets.Count == 0 || buckets.Any(b => !b.Labels.ContainsKey("le"))) throw new FormatException($"{family}{{{series.Key}}}: buckets missing or without le");
            var bounds = buckets.Select(b => ParseValue(b.Labels["le"], family)).ToList();
            if (!double.IsPositiveInfinity(bounds[^1])) throw new FormatException($"{family}{{{series.Key}}}: the last bucket is not le=\"+Inf\"");
            for (int i = 1; i < buckets.Count; i++)
            {
                if (bounds[i] <= bounds[i - 1]) throw new FormatException($"{family}{{{series.Key}}}: bucket bounds not ascending");
                if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"{family}{{{series.Key}}}: bucket counts not cumulative");
            }
            var count = series.SingleOrDefault(s => s.Name == family + "_count") ?? throw new FormatException($"{family}{{{series.Key}}}: no _count");
            _ = series.SingleOrDefault(s => s.Name == family + "_sum") ?? throw new FormatException($"{family}{{{series.Key}}}: no _sum");
            if (count.Value != buckets[^1].Value) throw new FormatException($"{family}{{{series.Key}}}: _count differs from the +Inf bucket");
        }
    }

    private static string Unescape(string value) =>
        Regex.Replace(value, @"\\(.)", m => m.Groups[1].Value switch { "n" => "\n", var other => other });

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([^""}]|""(\\.|[^""\\])*"")*)\})? (?<value>\S+)( -?[0-9]+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)"",?")]
    private static partial Regex LabelPair();
}
