using System.Diagnostics;
using Mta.Plot;
using Mta.Sink;

namespace Mta.Perf.Tests;

public class ThroughputCurveTests
{
    [Fact]
    public void Reads_a_sink_series_as_rates_from_the_first_message_with_one_idle_interval_each_side()
    {
        const string Json = """
            { "interval_s": 0.5, "first_message_s": 1.2, "last_message_s": 2.4,
              "series": [ { "t": 0.5, "messages": 0 }, { "t": 1.0, "messages": 0 }, { "t": 1.5, "messages": 10 },
                          { "t": 2.0, "messages": 20 }, { "t": 2.5, "messages": 5 }, { "t": 3.0, "messages": 0 }, { "t": 3.5, "messages": 0 } ] }
            """;
        var curve = ThroughputCurve.Parse("x", Json);

        Assert.Equal([-0.45, 0.05, 0.55, 1.05, 1.55], curve.Seconds);
        Assert.Equal([0.0, 20, 40, 10, 0], curve.MessagesPerSecond);
    }

    [Fact]
    public void Reads_what_the_sink_writes()
    {
        var counters = new SinkCounters();
        var start = Stopwatch.GetTimestamp();
        var series = new Series(TimeSpan.FromSeconds(1), DateTimeOffset.UnixEpoch);
        series.Sample(counters, start, start + Stopwatch.Frequency);
        counters.Record(MessageOutcome.Accepted, 1, 10);
        counters.Record(MessageOutcome.Accepted, 1, 10);
        series.Sample(counters, start, start + (2 * Stopwatch.Frequency));
        using var stream = new MemoryStream();
        series.WriteJson(stream);

        var curve = ThroughputCurve.Parse("sink", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal([0.0, 2.0], curve.MessagesPerSecond);
    }

    [Fact]
    public void A_series_without_messages_is_an_empty_curve() =>
        Assert.Empty(ThroughputCurve.Parse("idle", """{ "interval_s": 1, "first_message_s": null, "series": [ { "t": 1, "messages": 0 } ] }""").Seconds);

    [Theory]
    [InlineData("not json")]
    [InlineData("""{ "series": [] }""")]
    [InlineData("""{ "interval_s": 0, "first_message_s": 0, "series": [] }""")]
    public void Refuses_what_is_not_a_sink_series(string json) =>
        Assert.Throws<FormatException>(() => ThroughputCurve.Parse("bad", json));
}
