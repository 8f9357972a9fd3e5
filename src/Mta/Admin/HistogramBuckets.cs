using System.Diagnostics.Metrics;

namespace Mta.Admin;

/// <summary>
/// Bucket bounds for a histogram instrument: the bounds its creator advised
/// (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>), else defaults chosen by its unit.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>Prometheus's default buckets, for durations in seconds.</summary>
    public static readonly IReadOnlyList<double> Seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The same in milliseconds.</summary>
    public static readonly IReadOnlyList<double> Milliseconds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>Powers of two from 1 to 4096, for counts of things (messages per group commit, recipients per message).</summary>
    public static readonly IReadOnlyList<double> Counts = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

    /// <summary>The ascending bucket bounds for <paramref name="instrument"/>.</summary>
    public static IReadOnlyList<double> For(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        if (advised is not null) return [.. advised.Order().Distinct()];
        return instrument.Unit switch
        {
            "s" => Seconds,
            "ms" => Milliseconds,
            _ => Counts,
        };
    }
}
