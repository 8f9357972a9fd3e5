namespace Mta.Core.Queue;

/// <summary>
/// When a deferred recipient is tried again: exponential backoff from the minimal to the maximal
/// backoff time (Postfix's minimal_backoff_time and maximal_backoff_time), with jitter so that
/// messages deferred together do not return together.
/// </summary>
public static class RetrySchedule
{
    /// <summary>How far jitter may move a delay, as a fraction of it.</summary>
    public const double JitterFraction = 0.1;

    /// <summary>
    /// The delay after the <paramref name="attempts"/>-th failed attempt (1 = the first failure).
    /// <paramref name="unitRandom"/> in [0, 1) picks the jitter; 0.5 means none.
    /// </summary>
    public static TimeSpan Backoff(int attempts, TimeSpan minimal, TimeSpan maximal, double unitRandom)
    {
        if (attempts < 1) attempts = 1;
        var exponent = Math.Min(attempts - 1, 30);
        var ticks = Math.Min((double)minimal.Ticks * Math.Pow(2, exponent), maximal.Ticks);
        ticks *= 1 + JitterFraction * (2 * unitRandom - 1);
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, minimal.Ticks, Math.Max(minimal.Ticks, maximal.Ticks)));
    }

    /// <summary>True when a message has been queued longer than the lifetime allows and should bounce instead of being retried.</summary>
    public static bool HasExpired(DateTimeOffset arrival, DateTimeOffset now, TimeSpan lifetime) => now - arrival >= lifetime;
}
