using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace Mta.Admin;

/// <summary>
/// Aggregates every instrument of one meter (System.Diagnostics.Metrics) for Prometheus scrapes:
/// counters as running sums, histograms into buckets, gauges as the last value, each per tag set
/// (tags become labels). Counting starts when the collector is created: create it before the
/// node starts so that nothing is missed.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    // By Prometheus name: an instrument created again under the same name (a node started anew in
    // the same process re-registers its gauges) replaces the old one instead of exporting it twice.
    private readonly ConcurrentDictionary<string, InstrumentAggregate> _instruments = new(StringComparer.Ordinal);
    private readonly Lock _collecting = new();

    /// <summary>Starts listening to every instrument of the meter called <paramref name="meterName"/>, present and future.</summary>
    public MetricsCollector(string meterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != meterName || InstrumentAggregate.For(instrument) is not { } aggregate) return;
            _instruments[aggregate.Name] = aggregate;
            listener.EnableMeasurementEvents(instrument, aggregate);
        };
        _listener.MeasurementsCompleted = (_, state) =>
        {
            if (state is InstrumentAggregate aggregate) _instruments.TryRemove(new KeyValuePair<string, InstrumentAggregate>(aggregate.Name, aggregate));
        };
        _listener.SetMeasurementEventCallback<byte>(OnMeasurement);
        _listener.SetMeasurementEventCallback<short>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<float>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<decimal>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>
    /// The current state of every instrument, sorted by name: observable instruments are asked for
    /// their values now (a tag set they no longer report disappears), the others as recorded so far.
    /// </summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collecting)
        {
            foreach (InstrumentAggregate aggregate in _instruments.Values)
                if (aggregate.IsObservable) aggregate.Clear();
            _listener.RecordObservableInstruments();
            return [.. _instruments.Values.Select(aggregate => aggregate.Snapshot()).OrderBy(family => family.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private static void OnMeasurement<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct, INumberBase<T>
    {
        if (state is InstrumentAggregate aggregate) aggregate.Record(double.CreateSaturating(measurement), tags);
    }

    /// <summary>How the measurements of one instrument combine into series.</summary>
    private enum Combine
    {
        /// <summary>Each measurement is an increment (Counter, UpDownCounter).</summary>
        Add,

        /// <summary>Each measurement is the current value (observable instruments, Gauge).</summary>
        Set,

        /// <summary>Each measurement is an observation for the buckets (Histogram).</summary>
        Observe,
    }

    private sealed class InstrumentAggregate(Instrument instrument, MetricType type, Combine combine, bool isObservable, double[] bucketBounds)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public string Name { get; } = PrometheusText.FamilyName(instrument.Name, type);

        public bool IsObservable { get; } = isObservable;

        public static InstrumentAggregate? For(Instrument instrument)
        {
            if (!instrument.GetType().IsGenericType) return null;
            Type kind = instrument.GetType().GetGenericTypeDefinition();
            if (kind == typeof(Counter<>)) return new(instrument, MetricType.Counter, Combine.Add, isObservable: false, []);
            if (kind == typeof(ObservableCounter<>)) return new(instrument, MetricType.Counter, Combine.Set, isObservable: true, []);
            if (kind == typeof(UpDownCounter<>)) return new(instrument, MetricType.Gauge, Combine.Add, isObservable: false, []);
            if (kind == typeof(ObservableUpDownCounter<>) || kind == typeof(ObservableGauge<>))
                return new(instrument, MetricType.Gauge, Combine.Set, isObservable: true, []);
            if (kind == typeof(Gauge<>)) return new(instrument, MetricType.Gauge, Combine.Set, isObservable: false, []);
            if (kind == typeof(Histogram<>)) return new(instrument, MetricType.Histogram, Combine.Observe, isObservable: false, [.. HistogramBuckets.For(instrument)]);
            return null;
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // A negative increment would make a counter go down, which Prometheus reads as a restart.
            if (type == MetricType.Counter && combine == Combine.Add && value < 0) return;
            var labels = LabelsOf(tags);
            Series series = _series.GetOrAdd(KeyOf(labels), static (_, state) => new Series(state.labels, state.bucketCount), (labels, bucketCount: bucketBounds.Length + 1));
            lock (series)
            {
                switch (combine)
                {
                    case Combine.Add:
                        series.Value += value;
                        break;
                    case Combine.Set:
                        series.Value = value;
                        break;
                    case Combine.Observe:
                        int index = Array.BinarySearch(bucketBounds, value);
                        series.BucketCounts[index >= 0 ? index : ~index]++;
                        series.Value += value;
                        break;
                }
            }
        }

        public void Clear() => _series.Clear();

        public MetricFamily Snapshot()
        {
            var points = new List<MetricPoint>(_series.Count);
            foreach ((string _, Series series) in _series.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    points.Add(type == MetricType.Histogram
                        ? new HistogramPoint(series.Labels, bucketBounds, [.. series.BucketCounts], series.Value)
                        : new ValuePoint(series.Labels, series.Value));
                }
            }

            return new MetricFamily(Name, instrument.Description ?? string.Empty, type, points);
        }

        private KeyValuePair<string, string>[] LabelsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty) return [];
            var labels = new KeyValuePair<string, string>[tags.Length];
            for (int i = 0; i < tags.Length; i++)
            {
                string name = PrometheusText.LabelName(tags[i].Key);

                // "le" is the bucket bound of a histogram; Prometheus renames clashing labels the same way.
                if (type == MetricType.Histogram && name == "le") name = "exported_le";
                labels[i] = new(name, Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            }

            // Tags arrive in the order each call site wrote them; one label set must be one series.
            Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return labels;
        }

        private static string KeyOf(KeyValuePair<string, string>[] labels)
        {
            if (labels.Length == 0) return string.Empty;
            return string.Join('\0', labels.Select(label => label.Key + "\0" + label.Value));
        }
    }

    private sealed class Series(IReadOnlyList<KeyValuePair<string, string>> labels, int bucketCount)
    {
        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = labels;

        /// <summary>The counter or gauge value; for a histogram the sum of observations.</summary>
        public double Value { get; set; }

        public long[] BucketCounts { get; } = new long[bucketCount];
    }
}
