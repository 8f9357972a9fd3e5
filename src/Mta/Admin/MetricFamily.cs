namespace Mta.Admin;

/// <summary>The Prometheus metric types the exporter writes.</summary>
public enum MetricType
{
    /// <summary>A cumulative count that only goes up (name ends in <c>_total</c>).</summary>
    Counter,

    /// <summary>A value that goes up and down.</summary>
    Gauge,

    /// <summary>Observations counted in cumulative buckets, with their sum and count.</summary>
    Histogram,
}

/// <summary>One metric with every series of it, as exported at one scrape.</summary>
/// <param name="Name">The Prometheus name, already valid (see <see cref="PrometheusText.FamilyName"/>).</param>
/// <param name="Help">What the metric measures.</param>
/// <param name="Type">The metric type.</param>
/// <param name="Points">One point per label set; <see cref="ValuePoint"/> for counters and gauges, <see cref="HistogramPoint"/> for histograms.</param>
public sealed record MetricFamily(string Name, string Help, MetricType Type, IReadOnlyList<MetricPoint> Points);

/// <summary>The series of one label set.</summary>
/// <param name="Labels">Label names (valid Prometheus names) and values, sorted by name.</param>
public abstract record MetricPoint(IReadOnlyList<KeyValuePair<string, string>> Labels);

/// <summary>The value of a counter or gauge series.</summary>
/// <param name="Labels">Label names and values, sorted by name.</param>
/// <param name="Value">The current value.</param>
public sealed record ValuePoint(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value) : MetricPoint(Labels);

/// <summary>A histogram series.</summary>
/// <param name="Labels">Label names and values, sorted by name.</param>
/// <param name="UpperBounds">The finite bucket bounds in ascending order (the <c>+Inf</c> bucket is implied).</param>
/// <param name="BucketCounts">Observations per bucket, not cumulative: one per bound, then the count above the last bound.</param>
/// <param name="Sum">The sum of all observations.</param>
public sealed record HistogramPoint(IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts, double Sum)
    : MetricPoint(Labels)
{
    /// <summary>All observations.</summary>
    public long Count => BucketCounts.Sum();
}
