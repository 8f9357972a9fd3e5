using System.Diagnostics;
using System.Threading.Channels;

namespace Mta.LoadGen;

/// <summary>Hands out message numbers to sessions until the run's count or time is used up.</summary>
internal abstract class MessageSource
{
    /// <summary>The next message number, or null when the session should stop.</summary>
    public abstract ValueTask<long?> NextAsync(CancellationToken cancellationToken);

    /// <summary>Message numbers handed out.</summary>
    public abstract long Claimed { get; }
}

/// <summary>Closed loop: a session asks for its next message as soon as the previous one is answered.</summary>
internal sealed class ClosedLoopSource(long messages, long? deadlineTimestamp) : MessageSource
{
    private long next;

    public override long Claimed => Math.Min(Interlocked.Read(ref next), deadlineTimestamp is null ? messages : long.MaxValue);

    public override ValueTask<long?> NextAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || (deadlineTimestamp is { } deadline && Stopwatch.GetTimestamp() >= deadline))
        {
            return ValueTask.FromResult<long?>(null);
        }

        var number = Interlocked.Increment(ref next) - 1;
        return ValueTask.FromResult<long?>(deadlineTimestamp is null && number >= messages ? null : number);
    }
}

/// <summary>
/// Open loop: messages are released at a fixed rate whatever the server's replies; when sessions
/// fall behind, released messages wait (the backlog) instead of the rate dropping.
/// </summary>
internal sealed class OpenLoopSource : MessageSource
{
    private readonly Channel<long> released = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly double rate;
    private readonly long messages;
    private readonly long? deadlineTimestamp;
    private long claimed;

    public OpenLoopSource(double rate, long messages, long? deadlineTimestamp)
    {
        this.rate = rate;
        this.messages = messages;
        this.deadlineTimestamp = deadlineTimestamp;
    }

    public override long Claimed => Interlocked.Read(ref claimed);

    /// <summary>Messages released so far.</summary>
    public long Offered { get; private set; }

    /// <summary>Releases messages on schedule until the count or the deadline is reached.</summary>
    public async Task ReleaseAsync(long startTimestamp, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                if (deadlineTimestamp is { } deadline && now >= deadline)
                {
                    break;
                }

                var due = (long)(Stopwatch.GetElapsedTime(startTimestamp, now).TotalSeconds * rate) + 1;
                if (deadlineTimestamp is null)
                {
                    due = Math.Min(due, messages);
                }

                while (Offered < due)
                {
                    released.Writer.TryWrite(Offered++);
                }

                if (deadlineTimestamp is null && Offered >= messages)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Interrupted: stop releasing; sessions see the completed channel.
        }
        finally
        {
            released.Writer.TryComplete();
        }
    }

    public override async ValueTask<long?> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await released.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (deadlineTimestamp is { } deadline && Stopwatch.GetTimestamp() >= deadline)
                {
                    return null;
                }

                if (released.Reader.TryRead(out var number))
                {
                    Interlocked.Increment(ref claimed);
                    return number;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        return null;
    }
}
