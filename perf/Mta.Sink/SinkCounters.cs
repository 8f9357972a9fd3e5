using System.Diagnostics;

namespace Mta.Sink;

/// <summary>Totals shared by every session, updated with interlocked operations only.</summary>
internal sealed class SinkCounters
{
    private long messages;
    private long recipients;
    private long bytes;
    private long deferred;
    private long rejected;
    private long sessionsOpen;
    private long sessionsTotal;
    private long firstMessageTimestamp;
    private long lastMessageTimestamp;

    public long Messages => Interlocked.Read(ref messages);

    public long Recipients => Interlocked.Read(ref recipients);

    public long Bytes => Interlocked.Read(ref bytes);

    public long Deferred => Interlocked.Read(ref deferred);

    public long Rejected => Interlocked.Read(ref rejected);

    public long SessionsOpen => Interlocked.Read(ref sessionsOpen);

    public long SessionsTotal => Interlocked.Read(ref sessionsTotal);

    /// <summary>Stopwatch timestamp of the first accepted message; 0 before it.</summary>
    public long FirstMessageTimestamp => Interlocked.Read(ref firstMessageTimestamp);

    /// <summary>Stopwatch timestamp of the latest accepted message; 0 before the first.</summary>
    public long LastMessageTimestamp => Interlocked.Read(ref lastMessageTimestamp);

    public void SessionOpened()
    {
        Interlocked.Increment(ref sessionsOpen);
        Interlocked.Increment(ref sessionsTotal);
    }

    public void SessionClosed() => Interlocked.Decrement(ref sessionsOpen);

    /// <summary>Counts one answered message; only accepted ones count as received.</summary>
    public void Record(MessageOutcome outcome, int messageRecipients, long messageBytes)
    {
        switch (outcome)
        {
            case MessageOutcome.Deferred:
                Interlocked.Increment(ref deferred);
                return;
            case MessageOutcome.Rejected:
                Interlocked.Increment(ref rejected);
                return;
        }

        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref firstMessageTimestamp, now, 0);
        Interlocked.Exchange(ref lastMessageTimestamp, now);
        Interlocked.Add(ref recipients, messageRecipients);
        Interlocked.Add(ref bytes, messageBytes);
        Interlocked.Increment(ref messages);
    }
}
