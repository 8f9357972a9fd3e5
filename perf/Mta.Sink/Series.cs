using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Mta.Sink;

/// <summary>What arrived during one interval: the interval ends <paramref name="Elapsed"/> after the sink started.</summary>
internal sealed record SeriesPoint(TimeSpan Elapsed, long Messages, long Recipients, long Deferred, long Rejected, long SessionsOpen);

/// <summary>
/// The time series of a sink run: one point per interval, plus the totals and the times of the
/// first and last accepted message (for an end-to-end rate that does not depend on the interval).
/// </summary>
internal sealed class Series
{
    private readonly List<SeriesPoint> points = [];
    private long lastMessages;
    private long lastRecipients;
    private long lastDeferred;
    private long lastRejected;

    public Series(TimeSpan interval, DateTimeOffset startedAt)
    {
        Interval = interval;
        StartedAt = startedAt;
    }

    public TimeSpan Interval { get; }

    public DateTimeOffset StartedAt { get; }

    public IReadOnlyList<SeriesPoint> Points => points;

    public long Messages { get; private set; }

    public long Recipients { get; private set; }

    public long Bytes { get; private set; }

    public long Deferred { get; private set; }

    public long Rejected { get; private set; }

    public long SessionsTotal { get; private set; }

    /// <summary>Seconds from the start to the first and to the last accepted message; null before the first.</summary>
    public (double First, double Last)? MessageSpan { get; private set; }

    /// <summary>Accepted messages per second from the first to the last one; 0 with fewer than two.</summary>
    public double MessagesPerSecond => MessageSpan is { } span && span.Last > span.First && Messages > 1
        ? (Messages - 1) / (span.Last - span.First)
        : 0;

    /// <summary>Adds the interval that ends now, from the running totals.</summary>
    public SeriesPoint Sample(SinkCounters counters, long startTimestamp, long nowTimestamp)
    {
        Messages = counters.Messages;
        Recipients = counters.Recipients;
        Bytes = counters.Bytes;
        Deferred = counters.Deferred;
        Rejected = counters.Rejected;
        SessionsTotal = counters.SessionsTotal;
        if (counters.FirstMessageTimestamp is var first and not 0)
        {
            MessageSpan = (Stopwatch.GetElapsedTime(startTimestamp, first).TotalSeconds, Stopwatch.GetElapsedTime(startTimestamp, counters.LastMessageTimestamp).TotalSeconds);
        }

        var point = new SeriesPoint(
            Stopwatch.GetElapsedTime(startTimestamp, nowTimestamp),
            Messages - lastMessages,
            Recipients - lastRecipients,
            Deferred - lastDeferred,
            Rejected - lastRejected,
            counters.SessionsOpen);
        (lastMessages, lastRecipients, lastDeferred, lastRejected) = (Messages, Recipients, Deferred, Rejected);
        points.Add(point);
        return point;
    }

    /// <summary>Writes the series as JSON: settings, totals and one object per interval.</summary>
    public void WriteJson(Stream destination)
    {
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("interval_s", Interval.TotalSeconds);
        json.WriteString("started_at", StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteNumber("messages", Messages);
        json.WriteNumber("recipients", Recipients);
        json.WriteNumber("bytes", Bytes);
        json.WriteNumber("deferred", Deferred);
        json.WriteNumber("rejected", Rejected);
        json.WriteNumber("sessions_total", SessionsTotal);
        if (MessageSpan is { } span)
        {
            json.WriteNumber("first_message_s", Math.Round(span.First, 6));
            json.WriteNumber("last_message_s", Math.Round(span.Last, 6));
        }
        else
        {
            json.WriteNull("first_message_s");
            json.WriteNull("last_message_s");
        }

        json.WriteNumber("messages_per_s", Math.Round(MessagesPerSecond, 3));
        json.WriteStartArray("series");
        foreach (var point in points)
        {
            json.WriteStartObject();
            json.WriteNumber("t", Math.Round(point.Elapsed.TotalSeconds, 3));
            json.WriteNumber("messages", point.Messages);
            json.WriteNumber("recipients", point.Recipients);
            json.WriteNumber("deferred", point.Deferred);
            json.WriteNumber("rejected", point.Rejected);
            json.WriteNumber("sessions", point.SessionsOpen);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Writes the series as CSV, one line per interval (the totals are the column sums).</summary>
    public void WriteCsv(TextWriter destination)
    {
        destination.Write("t_s,messages,recipients,deferred,rejected,sessions\n");
        foreach (var point in points)
        {
            destination.Write(string.Create(
                CultureInfo.InvariantCulture,
                $"{point.Elapsed.TotalSeconds:0.###},{point.Messages},{point.Recipients},{point.Deferred},{point.Rejected},{point.SessionsOpen}\n"));
        }
    }

    /// <summary>Writes to <paramref name="path"/> through a temporary file and a rename, so readers never see half a file; ".csv" selects CSV, anything else JSON.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                using var writer = new StreamWriter(file);
                WriteCsv(writer);
            }
            else
            {
                WriteJson(file);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
