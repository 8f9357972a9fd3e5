namespace Mta.EndToEnd.Tests.Support;

/// <summary>Waits for a condition by looking again and again, never longer than a bound.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Evaluates <paramref name="probe"/> until <paramref name="done"/> holds for its value and returns
    /// that value; after <paramref name="timeout"/> fails with <paramref name="describe"/> of the last value.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = probe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"gave up after {timeout}: {describe(value)}");
            await Task.Delay(Interval);
        }
    }
}
