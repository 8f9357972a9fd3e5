namespace Mta.Core.Delivery;

/// <summary>
/// How many connections one nexthop gets at once, as Postfix's queue manager decides it: start
/// with a few, add one for each success up to the limit (slow start), take one away for each
/// failed connection. When the window would close entirely the destination is "dead": no new
/// attempts until the queue retries its mail later, instead of every message hammering it.
/// </summary>
public sealed class ConcurrencyWindow
{
    /// <summary>Connections a fresh destination starts with (Postfix initial_destination_concurrency).</summary>
    public const int Initial = 5;

    private readonly int _limit;

    /// <summary>A window growing up to <paramref name="limit"/>.</summary>
    public ConcurrencyWindow(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
        Current = Math.Min(Initial, limit);
    }

    /// <summary>Connections allowed now.</summary>
    public int Current { get; private set; }

    /// <summary>Failures in a row since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>True when a failure closed the window: the destination is treated as down.</summary>
    public bool IsDead => Current == 0;

    /// <summary>A delivery went through (the server accepted the transaction or gave an answer).</summary>
    public void Success()
    {
        ConsecutiveFailures = 0;
        Current = Math.Min(_limit, Math.Max(1, Current + 1));
    }

    /// <summary>A connection could not be made or was lost; <paramref name="busy"/> other connections are still running.</summary>
    public void Failure(int busy)
    {
        ConsecutiveFailures++;
        // With other connections still working the destination is alive, only slower; when the
        // last one fails (Postfix: concurrency would drop to zero) it is dead.
        Current = busy > 0 ? Math.Max(1, Current - 1) : 0;
    }

    /// <summary>The destination's backoff ended: try again with one connection.</summary>
    public void Revive()
    {
        if (Current == 0) Current = 1;
    }
}
