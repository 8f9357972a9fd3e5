using System.Threading.Channels;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Mta.Core.Spool;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Queue;

/// <summary>
/// Group commit of accepted messages. Sessions write requests into a bounded channel (a full
/// channel makes them wait: backpressure); the stream takes everything that arrived while the
/// previous flush ran, makes all of it durable with one spool sync, then hands the batch to the
/// queue actor, which journals it in one write and only then lets the sessions answer 250.
/// </summary>
public sealed class GroupCommitter
{
    private readonly Channel<EnqueueRequest> _channel;

    /// <summary>The bounded channel sessions write into; a full one makes writers wait.</summary>
    public static Channel<EnqueueRequest> CreateChannel(int capacity) =>
        Channel.CreateBounded<EnqueueRequest>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>Starts the commit stream reading <paramref name="channel"/>.</summary>
    public GroupCommitter(IMaterializer materializer, SpoolStore spool, IActorRef queue, int batchLimit, Channel<EnqueueRequest> channel)
    {
        _channel = channel;
        Completion = ChannelSource.FromReader(_channel.Reader)
            .Batch(batchLimit, first => new List<EnqueueRequest>(16) { first }, (batch, next) =>
            {
                batch.Add(next);
                return batch;
            })
            .SelectAsync(1, async batch =>
            {
                try
                {
                    await spool.SyncAsync().ConfigureAwait(false);
                    return (IQueueCommand)new CommitBatch(batch);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new CommitFailed(batch, e.Message);
                }
            })
            .RunForeach(command => queue.Tell(command), materializer);
    }

    /// <summary>Where sessions write their requests.</summary>
    public ChannelWriter<EnqueueRequest> Writer => _channel.Writer;

    /// <summary>Completes when the stream ends (after <see cref="Complete"/>, or on failure).</summary>
    public Task Completion { get; }

    /// <summary>Accepts no more requests; those already written are still committed.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
