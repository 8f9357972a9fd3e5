using System.Diagnostics;
using HdrHistogram;

namespace Mta.LoadGen;

/// <summary>The merged outcome of a run and the figures derived from it.</summary>
internal sealed record RunResult
{
    public required LoadGenOptions Options { get; init; }

    /// <summary>From the start until the last session stopped sending.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>False when nothing was accepted after the warm-up: figures then cover the whole run.</summary>
    public required bool SteadyState { get; init; }

    /// <summary>The window the rate and latency figures cover.</summary>
    public required TimeSpan Window { get; init; }

    public required long Attempted { get; init; }

    public required long Accepted { get; init; }

    /// <summary>Messages accepted inside <see cref="Window"/>.</summary>
    public required long AcceptedInWindow { get; init; }

    public required long AcceptedRecipients { get; init; }

    public required double AcceptedPerSecond { get; init; }

    public required IReadOnlyDictionary<string, ErrorTally> Errors { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>Whether the server advertised PIPELINING; null when no EHLO succeeded.</summary>
    public required bool? ServerAdvertisedPipelining { get; init; }

    /// <summary>Open loop only: messages released by the schedule and those never started.</summary>
    public required (long Offered, long Backlog)? OpenLoop { get; init; }

    public required MaildirSummary? Maildir { get; init; }

    public required string? FatalError { get; init; }

    public required bool Interrupted { get; init; }

    public static RunResult Create(
        LoadGenOptions options,
        IReadOnlyList<SessionStats> sessions,
        long startTimestamp,
        long warmupEndTimestamp,
        long stoppedTimestamp,
        bool? serverAdvertisedPipelining,
        (long Offered, long Backlog)? openLoop,
        MaildirCounter? maildirCounter,
        string? fatalError,
        bool interrupted)
    {
        var accepted = sessions.Sum(s => s.Accepted);
        var acceptedSteady = sessions.Sum(s => s.AcceptedSteady);
        var lastAccept = sessions.Max(s => s.LastAcceptTimestamp);
        var steadyState = acceptedSteady > 0 && lastAccept > warmupEndTimestamp;
        var window = steadyState
            ? Stopwatch.GetElapsedTime(warmupEndTimestamp, lastAccept)
            : Stopwatch.GetElapsedTime(startTimestamp, Math.Max(lastAccept, startTimestamp));
        var inWindow = steadyState ? acceptedSteady : accepted;

        var latency = new LongHistogram(SessionStats.HighestTrackableMicroseconds, 3);
        foreach (var session in sessions)
        {
            latency.Add(steadyState ? session.SteadyLatency : session.AllLatency);
        }

        var errors = new SortedDictionary<string, ErrorTally>(StringComparer.Ordinal);
        foreach (var (key, tally) in sessions.SelectMany(s => s.Errors))
        {
            errors[key] = errors.TryGetValue(key, out var existing) ? existing with { Count = existing.Count + tally.Count } : tally;
        }

        var acceptedRecipients = sessions.Sum(s => s.AcceptedRecipients);
        return new RunResult
        {
            Options = options,
            Elapsed = Stopwatch.GetElapsedTime(startTimestamp, stoppedTimestamp),
            SteadyState = steadyState,
            Window = window,
            Attempted = sessions.Sum(s => s.Attempted),
            Accepted = accepted,
            AcceptedInWindow = inWindow,
            AcceptedRecipients = acceptedRecipients,
            AcceptedPerSecond = window > TimeSpan.Zero ? inWindow / window.TotalSeconds : 0,
            Errors = errors,
            Latency = LatencySummary.From(latency),
            ServerAdvertisedPipelining = serverAdvertisedPipelining,
            OpenLoop = openLoop,
            Maildir = maildirCounter is null ? null : MaildirSummary.From(maildirCounter, options.Warmup, acceptedRecipients),
            FatalError = fatalError,
            Interrupted = interrupted,
        };
    }
}

/// <summary>Latency from the final "." to its reply, in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary From(HistogramBase microseconds)
    {
        if (microseconds.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        static double Milliseconds(long value) => value / 1000.0;
        return new LatencySummary(
            microseconds.TotalCount,
            Milliseconds(microseconds.GetValueAtPercentile(50)),
            Milliseconds(microseconds.GetValueAtPercentile(90)),
            Milliseconds(microseconds.GetValueAtPercentile(99)),
            Milliseconds(microseconds.GetMaxValue()));
    }
}

/// <summary>
/// Deliveries seen in the Maildirs: the rate between the end of the warm-up (or the start, for a
/// short run) and the last poll that saw the count grow, and the share of accepted recipients
/// that arrived.
/// </summary>
internal sealed record MaildirSummary(long Delivered, double DeliveredPerSecond, double DeliveredToAcceptedRatio, bool Drained, TimeSpan DrainTime)
{
    public static MaildirSummary From(MaildirCounter counter, TimeSpan warmup, long acceptedRecipients)
    {
        var samples = counter.Samples;
        if (samples.Count == 0)
        {
            return new MaildirSummary(0, 0, 0, counter.Drained, counter.DrainTime);
        }

        var delivered = samples[^1].Delivered;
        var lastGrowth = samples.First(sample => sample.Delivered == delivered);
        var from = samples.FirstOrDefault(sample => sample.Elapsed >= warmup && sample.Elapsed < lastGrowth.Elapsed)
            ?? new DeliverySample(TimeSpan.Zero, 0);
        var span = lastGrowth.Elapsed - from.Elapsed;
        var rate = span > TimeSpan.Zero ? (lastGrowth.Delivered - from.Delivered) / span.TotalSeconds : 0;
        var ratio = acceptedRecipients > 0 ? (double)delivered / acceptedRecipients : 0;
        return new MaildirSummary(delivered, rate, ratio, counter.Drained, counter.DrainTime);
    }
}
