using HdrHistogram;

namespace Mta.LoadGen;

/// <summary>What one session observed; owned by that session alone, merged when the run ends.</summary>
internal sealed class SessionStats
{
    /// <summary>Latencies are recorded in microseconds up to one hour.</summary>
    public static readonly long HighestTrackableMicroseconds = TimeSpan.FromHours(1).Ticks / TimeSpan.TicksPerMicrosecond;

    public LongHistogram SteadyLatency { get; } = new(HighestTrackableMicroseconds, 3);

    public LongHistogram AllLatency { get; } = new(HighestTrackableMicroseconds, 3);

    public long Attempted { get; set; }

    public long Accepted { get; set; }

    public long AcceptedSteady { get; set; }

    public long AcceptedRecipients { get; set; }

    /// <summary>Stopwatch timestamp of the last 250 to a final "."; 0 when none.</summary>
    public long LastAcceptTimestamp { get; set; }

    /// <summary>Failures by reply code ("451") or kind ("connection", "timeout", "protocol"), with the first text seen.</summary>
    public Dictionary<string, ErrorTally> Errors { get; } = new(StringComparer.Ordinal);

    public void RecordError(string key, string? sample)
    {
        if (Errors.TryGetValue(key, out var tally))
        {
            Errors[key] = tally with { Count = tally.Count + 1 };
        }
        else
        {
            Errors[key] = new ErrorTally(1, sample);
        }
    }
}

/// <summary>How often one kind of failure happened, and the first reply or message that showed it.</summary>
internal sealed record ErrorTally(long Count, string? Sample);
