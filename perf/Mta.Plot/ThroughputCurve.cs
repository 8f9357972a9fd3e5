using System.Text.Json;

namespace Mta.Plot;

/// <summary>
/// Messages per second over time from one mta-sink series, with time counted from the run's first
/// message so that runs started at different moments line up.
/// </summary>
internal sealed record ThroughputCurve(string Label, double[] Seconds, double[] MessagesPerSecond)
{
    /// <summary>
    /// Reads a series written by mta-sink (<c>--series FILE.json</c>). Each point is placed at the
    /// middle of its interval; intervals before the first message and after the last are left
    /// out but for one on each side, so the curve starts and ends at zero.
    /// </summary>
    /// <exception cref="FormatException">The JSON is not an mta-sink series.</exception>
    public static ThroughputCurve Parse(string label, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var interval = root.GetProperty("interval_s").GetDouble();
            var points = root.GetProperty("series").EnumerateArray()
                .Select(point => (End: point.GetProperty("t").GetDouble(), Messages: point.GetProperty("messages").GetInt64()))
                .ToArray();
            if (interval <= 0)
            {
                throw new FormatException("interval_s must be greater than zero");
            }

            var firstBusy = Array.FindIndex(points, point => point.Messages > 0);
            if (firstBusy < 0 || root.GetProperty("first_message_s").ValueKind != JsonValueKind.Number)
            {
                return new ThroughputCurve(label, [], []);
            }

            var origin = root.GetProperty("first_message_s").GetDouble();
            var lastBusy = Array.FindLastIndex(points, point => point.Messages > 0);
            var from = Math.Max(0, firstBusy - 1);
            var to = Math.Min(points.Length - 1, lastBusy + 1);
            var kept = points[from..(to + 1)];
            return new ThroughputCurve(
                label,
                kept.Select(point => Math.Round(point.End - (interval / 2) - origin, 3)).ToArray(),
                kept.Select(point => point.Messages / interval).ToArray());
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not an mta-sink series: {exception.Message}", exception);
        }
    }
}
