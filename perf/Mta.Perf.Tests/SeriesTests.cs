using System.Diagnostics;
using System.Text.Json;
using Mta.Sink;

namespace Mta.Perf.Tests;

public class SeriesTests
{
    [Fact]
    public void Each_point_holds_what_arrived_in_its_interval()
    {
        var counters = new SinkCounters();
        var start = Stopwatch.GetTimestamp();
        var series = new Series(TimeSpan.FromSeconds(1), DateTimeOffset.UnixEpoch);
        counters.SessionOpened();
        Record(counters, MessageOutcome.Accepted, 3);
        counters.Record(MessageOutcome.Deferred, 1, 100);
        var first = series.Sample(counters, start, start + Stopwatch.Frequency);
        Record(counters, MessageOutcome.Accepted, 2);
        counters.Record(MessageOutcome.Rejected, 1, 100);
        counters.SessionClosed();
        var second = series.Sample(counters, start, start + (2 * Stopwatch.Frequency));

        Assert.Equal((3L, 3L, 1L, 0L, 1L), (first.Messages, first.Recipients, first.Deferred, first.Rejected, first.SessionsOpen));
        Assert.Equal((2L, 2L, 0L, 1L, 0L), (second.Messages, second.Recipients, second.Deferred, second.Rejected, second.SessionsOpen));
        Assert.Equal(TimeSpan.FromSeconds(2), second.Elapsed);
        Assert.Equal((5L, 500L, 1L, 1L, 1L), (series.Messages, series.Bytes, series.Deferred, series.Rejected, series.SessionsTotal));
    }

    [Fact]
    public void Json_has_totals_and_one_object_per_interval()
    {
        var counters = new SinkCounters();
        var start = Stopwatch.GetTimestamp();
        var series = new Series(TimeSpan.FromSeconds(1), DateTimeOffset.UnixEpoch);
        Record(counters, MessageOutcome.Accepted, 4);
        series.Sample(counters, start, start + Stopwatch.Frequency);
        series.Sample(counters, start, start + (2 * Stopwatch.Frequency));
        using var stream = new MemoryStream();
        series.WriteJson(stream);

        using var document = JsonDocument.Parse(stream.ToArray());
        var root = document.RootElement;
        Assert.Equal("1970-01-01T00:00:00.000Z", root.GetProperty("started_at").GetString());
        Assert.Equal(4, root.GetProperty("messages").GetInt64());
        Assert.Equal(400, root.GetProperty("bytes").GetInt64());
        Assert.True(root.GetProperty("first_message_s").GetDouble() <= root.GetProperty("last_message_s").GetDouble());
        var points = root.GetProperty("series").EnumerateArray().ToArray();
        Assert.Equal([4L, 0L], points.Select(point => point.GetProperty("messages").GetInt64()));
        Assert.Equal([1.0, 2.0], points.Select(point => point.GetProperty("t").GetDouble()));
    }

    [Fact]
    public void Csv_has_a_header_and_one_line_per_interval()
    {
        var counters = new SinkCounters();
        var start = Stopwatch.GetTimestamp();
        var series = new Series(TimeSpan.FromMilliseconds(500), DateTimeOffset.UnixEpoch);
        Record(counters, MessageOutcome.Accepted, 2);
        series.Sample(counters, start, start + (Stopwatch.Frequency / 2));
        var text = new StringWriter();
        series.WriteCsv(text);
        Assert.Equal("t_s,messages,recipients,deferred,rejected,sessions\n0.5,2,2,0,0,0\n", text.ToString());
    }

    [Fact]
    public void Save_chooses_the_format_by_extension_and_leaves_no_temporary_file()
    {
        var folder = Directory.CreateTempSubdirectory("mta-perf-series-");
        try
        {
            var series = new Series(TimeSpan.FromSeconds(1), DateTimeOffset.UnixEpoch);
            series.Save(Path.Combine(folder.FullName, "s.csv"));
            series.Save(Path.Combine(folder.FullName, "s.json"));
            Assert.StartsWith("t_s,", File.ReadAllText(Path.Combine(folder.FullName, "s.csv")), StringComparison.Ordinal);
            Assert.StartsWith("{", File.ReadAllText(Path.Combine(folder.FullName, "s.json")), StringComparison.Ordinal);
            Assert.Equal(2, folder.GetFiles().Length);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void Record(SinkCounters counters, MessageOutcome outcome, int times)
    {
        for (var i = 0; i < times; i++)
        {
            counters.Record(outcome, 1, 100);
        }
    }
}
