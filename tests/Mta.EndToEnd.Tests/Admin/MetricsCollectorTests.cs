using System.Diagnostics.Metrics;
using Mta.Admin;
using Xunit;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>
/// <see cref="MetricsCollector"/> over a meter of each test's own (so tests running side by side
/// never see each other's measurements).
/// </summary>
public sealed class MetricsCollectorTests : IDisposable
{
    private readonly Meter _meter = new($"Mta.Tests.{Guid.NewGuid():N}");
    private readonly MetricsCollector _collector;

    public MetricsCollectorTests() => _collector = new MetricsCollector(_meter.Name);

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void A_counter_sums_its_increments_per_tag_set_whatever_the_tag_order()
    {
        var counter = _meter.CreateCounter<long>("deliveries", "recipients", "Deliveries");

        counter.Add(1, new("status", "sent"), new("relay", "local"));
        counter.Add(2, new("relay", "local"), new("status", "sent"));
        counter.Add(5, new("status", "deferred"), new("relay", "smtp"));

        var family = Assert.Single(_collector.Collect());
        Assert.Equal(("deliveries_total", "Deliveries", MetricType.Counter), (family.Name, family.Help, family.Type));
        Assert.Equal(["relay=local,status=sent 3", "relay=smtp,status=deferred 5"], family.Points.Select(Describe));
    }

    [Fact]
    public void A_counter_ignores_negative_increments()
    {
        var counter = _meter.CreateCounter<int>("accepted");

        counter.Add(4);
        counter.Add(-3);

        Assert.Equal(4, ((ValuePoint)Assert.Single(Assert.Single(_collector.Collect()).Points)).Value);
    }

    [Fact]
    public void An_instrument_of_another_meter_is_not_collected()
    {
        using var other = new Meter($"Other.{Guid.NewGuid():N}");
        other.CreateCounter<long>("elsewhere").Add(1);
        _meter.CreateCounter<long>("here").Add(1);

        Assert.Equal(["here_total"], _collector.Collect().Select(f => f.Name));
    }

    [Fact]
    public void A_histogram_counts_observations_per_bucket_with_bounds_inclusive()
    {
        var histogram = _meter.CreateHistogram<int>("batch", "messages", "Batch sizes");

        foreach (var size in new[] { 1, 1, 2, 3, 512, 5000 }) histogram.Record(size);

        var family = Assert.Single(_collector.Collect());
        var point = (HistogramPoint)Assert.Single(family.Points);
        Assert.Equal(MetricType.Histogram, family.Type);
        Assert.Equal(HistogramBuckets.Counts, point.UpperBounds);
        // Bounds 1, 2, 4, ..., 4096, then +Inf: 1,1 | 2 | 3 | ... | 512 | ... | 5000.
        Assert.Equal([2, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1], point.BucketCounts);
        Assert.Equal(5519, point.Sum);
        Assert.Equal(6, point.Count);
    }

    [Fact]
    public void A_histogram_uses_the_bucket_bounds_its_creator_advised()
    {
        var histogram = _meter.CreateHistogram<double>("latency", "s", "Latency", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });

        histogram.Record(0.05);
        histogram.Record(0.5);
        histogram.Record(100);

        var point = (HistogramPoint)Assert.Single(Assert.Single(_collector.Collect()).Points);
        Assert.Equal([0.1, 1, 10], point.UpperBounds);
        Assert.Equal([1, 1, 0, 1], point.BucketCounts);
    }

    [Theory]
    [InlineData("s", new[] { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 })]
    [InlineData("ms", new[] { 5.0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 })]
    [InlineData("messages", new[] { 1.0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 })]
    [InlineData(null, new[] { 1.0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 })]
    public void Histogram_buckets_without_advice_follow_the_unit(string? unit, double[] expected)
    {
        Assert.Equal(expected, HistogramBuckets.For(_meter.CreateHistogram<double>("h", unit)));
    }

    [Fact]
    public void An_observable_gauge_is_read_at_each_collection_and_drops_series_it_no_longer_reports()
    {
        var readings = new List<Measurement<int>> { new(3, new KeyValuePair<string, object?>("listener", "a")), new(4, new KeyValuePair<string, object?>("listener", "b")) };
        _meter.CreateObservableGauge("open", () => readings.ToArray());

        var first = Assert.Single(_collector.Collect());
        readings = [new(9, new KeyValuePair<string, object?>("listener", "a"))];
        var second = Assert.Single(_collector.Collect());

        Assert.Equal(MetricType.Gauge, first.Type);
        Assert.Equal([3.0, 4.0], first.Points.Cast<ValuePoint>().Select(p => p.Value));
        Assert.Equal(["listener=a 9"], second.Points.Select(Describe));
    }

    [Fact]
    public void An_up_down_counter_is_a_gauge_and_an_observable_counter_a_counter()
    {
        var queued = _meter.CreateUpDownCounter<long>("queued");
        _meter.CreateObservableCounter("bytes_written", () => 42L);

        queued.Add(5);
        queued.Add(-2);

        var families = _collector.Collect();
        Assert.Equal(["bytes_written_total", "queued"], families.Select(f => f.Name));
        Assert.Equal(MetricType.Counter, families[0].Type);
        Assert.Equal(42, ((ValuePoint)Assert.Single(families[0].Points)).Value);
        Assert.Equal(MetricType.Gauge, families[1].Type);
        Assert.Equal(3, ((ValuePoint)Assert.Single(families[1].Points)).Value);
    }

    [Fact]
    public void A_histogram_tag_called_le_is_renamed_so_that_it_cannot_clash_with_the_bucket_bound()
    {
        _meter.CreateHistogram<int>("sizes").Record(1, new KeyValuePair<string, object?>("le", "x"));

        var point = Assert.Single(Assert.Single(_collector.Collect()).Points);
        Assert.Equal([new KeyValuePair<string, string>("exported_le", "x")], point.Labels);
    }

    [Fact]
    public void An_instrument_created_again_under_the_same_name_replaces_the_old_one()
    {
        _meter.CreateObservableGauge("sessions_open", () => 5);
        _meter.CreateObservableGauge("sessions_open", () => 8);

        var family = Assert.Single(_collector.Collect());
        Assert.Equal(8, ((ValuePoint)Assert.Single(family.Points)).Value);
    }

    [Fact]
    public void An_instrument_whose_meter_is_disposed_is_no_longer_collected()
    {
        _meter.CreateCounter<long>("gone").Add(1);

        _meter.Dispose();

        Assert.Empty(_collector.Collect());
    }

    [Fact]
    public void Instruments_created_after_the_collector_are_collected_from_their_creation()
    {
        Assert.Empty(_collector.Collect());

        _meter.CreateCounter<long>("late").Add(2);

        Assert.Equal(2, ((ValuePoint)Assert.Single(Assert.Single(_collector.Collect()).Points)).Value);
    }

    /// <summary>A counter or gauge point as text (records compare their label lists by reference).</summary>
    private static string Describe(MetricPoint point) =>
        $"{string.Join(",", point.Labels.Select(l => $"{l.Key}={l.Value}"))} {((ValuePoint)point).Value}";
}
