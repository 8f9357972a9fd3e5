using System.Diagnostics;

namespace Mta.LoadGen;

/// <summary>
/// Counts delivered messages as files in <c>DIR/&lt;domain&gt;/&lt;user&gt;/new</c>, polled every 250 ms
/// from the start of the run until deliveries catch up with the accepted count or the drain
/// timeout after sending stops.
/// </summary>
internal sealed class MaildirCounter(string root)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<DeliverySample> samples = [];

    /// <summary>Counts over time, relative to the files present when the run started.</summary>
    public IReadOnlyList<DeliverySample> Samples => samples;

    /// <summary>Whether deliveries reached the accepted recipient count before the drain timeout.</summary>
    public bool Drained { get; private set; }

    /// <summary>Time from the end of sending until the last poll.</summary>
    public TimeSpan DrainTime { get; private set; }

    public async Task RunAsync(long startTimestamp, Task<(long StoppedTimestamp, long ExpectedDeliveries)> sendingFinished, TimeSpan drainTimeout, CancellationToken interrupt)
    {
        var baseline = Count();
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                var delivered = Count() - baseline;
                samples.Add(new DeliverySample(Stopwatch.GetElapsedTime(startTimestamp, now), delivered));
                if (sendingFinished.IsCompletedSuccessfully)
                {
                    var (stoppedTimestamp, expected) = await sendingFinished.ConfigureAwait(false);
                    DrainTime = Stopwatch.GetElapsedTime(stoppedTimestamp, now);
                    if (delivered >= expected)
                    {
                        Drained = true;
                        return;
                    }

                    if (DrainTime >= drainTimeout)
                    {
                        return;
                    }
                }

                await timer.WaitForNextTickAsync(interrupt).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Interrupted: report what was counted.
        }
    }

    private long Count()
    {
        long total = 0;
        foreach (var domain in SafeEnumerateDirectories(root))
        {
            foreach (var mailbox in SafeEnumerateDirectories(domain))
            {
                try
                {
                    total += Directory.EnumerateFiles(Path.Combine(mailbox, "new")).LongCount();
                }
                catch (DirectoryNotFoundException)
                {
                    // A mailbox being created right now has no new/ yet.
                }
            }
        }

        return total;
    }

    private static IEnumerable<string> SafeEnumerateDirectories(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}

/// <summary>Messages delivered since the start, as seen <paramref name="Elapsed"/> into the run.</summary>
internal sealed record DeliverySample(TimeSpan Elapsed, long Delivered);
