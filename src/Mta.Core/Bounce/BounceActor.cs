using Akka.Actor;
using Mta.Core.IO;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Bounce;

/// <summary>
/// Writes delivery status notifications and queues them like any other message: built with
/// MimeKit from the original in the spool (on a thread for blocking work), stored as a new spool
/// body, committed through the group commit with the null sender. The queue keeps the original
/// until it hears the notification is queued, so a crash in between sends it again rather than
/// never.
/// </summary>
public sealed class BounceActor : ReceiveActor
{
    private readonly Dictionary<string, (string OriginalId, DsnKind Kind, IActorRef Queue)> _originalByNotice = new(StringComparer.Ordinal);

    /// <summary>Creates the actor.</summary>
    public BounceActor(BounceContext context)
    {
        Receive<SendNotice>(request =>
        {
            var queue = Sender;
            var self = Self;
            QueueNoticeAsync(context, request, queue, self).PipeTo(self, success: () => NoticeSubmitted.Instance,
                failure: e => new NoticeFailed(request.Original.QueueId, e.GetBaseException().Message, request.Kind, queue));
        });
        Receive<Track>(track => _originalByNotice[track.NoticeId] = (track.OriginalId, track.Kind, track.Queue));
        Receive<NoticeSubmitted>(_ => { });
        Receive<NoticeFailed>(failed => failed.ReplyTo?.Tell(failed with { ReplyTo = null }));
        Receive<Enqueued>(enqueued =>
        {
            if (_originalByNotice.Remove(enqueued.QueueId, out var original))
                original.Queue.Tell(new NoticeQueued(original.OriginalId, enqueued.QueueId, original.Kind));
        });
        Receive<EnqueueFailed>(failed =>
        {
            if (_originalByNotice.Remove(failed.QueueId, out var original))
                original.Queue.Tell(new NoticeFailed(original.OriginalId, failed.Reason, original.Kind, null));
        });
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(BounceContext context) => Akka.Actor.Props.Create(() => new BounceActor(context));

    private static async Task QueueNoticeAsync(BounceContext context, SendNotice request, IActorRef queue, IActorRef self)
    {
        var original = request.Original;
        // Reading the original and building the report block: dedicated threads.
        var bytes = await context.Scheduler.Run(() =>
        {
            var dsn = new DsnRequest(context.MyHostname, $"MAILER-DAEMON@{context.MyHostname}", original.Sender, original.QueueId,
                original.Arrival, original.EnvId, original.Ret, request.Recipients, request.Kind, null);
            using var body = context.Spool.OpenRead(original.Body);
            return DsnBuilder.ToBytes(DsnBuilder.Build(dsn, body, context.Clock));
        }).ConfigureAwait(false);
        var writer = context.Spool.CreateWriter();
        SpoolBody stored;
        try
        {
            System.Buffers.BuffersExtensions.Write(writer, bytes);
            stored = await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        var eightBit = bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        var envelope = new MessageEnvelope(context.QueueIds.Next(), string.Empty, context.Clock.GetUtcNow().ToUnixTimeMilliseconds(), stored,
            [new EnvelopeRecipient(original.Sender, DsnNotify.Never, null)],
            eightBit ? BodyType.EightBitMime : BodyType.SevenBit, SmtpUtf8: false, DsnReturn.Unspecified, null, "127.0.0.1", context.MyHostname);
        self.Tell(new Track(envelope.QueueId, original.QueueId, request.Kind, queue));
        await context.Commit.WriteAsync(new EnqueueRequest(envelope, writer, self)).ConfigureAwait(false);
    }

    private sealed record NoticeSubmitted
    {
        public static readonly NoticeSubmitted Instance = new();
    }

    private sealed record Track(string NoticeId, string OriginalId, DsnKind Kind, IActorRef Queue);
}

/// <summary>What the bounce actor needs.</summary>
public sealed record BounceContext(string MyHostname, SpoolStore Spool, QueueIdGenerator QueueIds,
    System.Threading.Channels.ChannelWriter<EnqueueRequest> Commit, DedicatedThreadScheduler Scheduler, TimeProvider Clock);
