using Akka.Actor;
using Mta.Core.Spool;

namespace Mta.Core.Queue;

/// <summary>Messages of the queue actor.</summary>
public static class QueueProtocol
{
    /// <summary>Marker for the queue's commands.</summary>
    public interface IQueueCommand;

    /// <summary>
    /// A session asks for its message to be queued. The body is written but not yet durable;
    /// <paramref name="Writer"/> is finished by the queue once the request is decided.
    /// </summary>
    public sealed record EnqueueRequest(MessageEnvelope Envelope, SpoolBodyWriter Writer, IActorRef ReplyTo);

    /// <summary>A group of requests whose bodies one spool sync made durable; to be journaled together.</summary>
    public sealed record CommitBatch(IReadOnlyList<EnqueueRequest> Requests) : IQueueCommand;

    /// <summary>The spool sync failed; the batch's messages must be refused.</summary>
    public sealed record CommitFailed(IReadOnlyList<EnqueueRequest> Requests, string Reason) : IQueueCommand;

    /// <summary>Told to the session: the message is durable and queued.</summary>
    public sealed record Enqueued(string QueueId);

    /// <summary>Told to the session: the message could not be made durable; nothing was queued.</summary>
    public sealed record EnqueueFailed(string QueueId, string Reason);

    /// <summary>Ask the delivery agent to deliver one recipient; its outcome carries <paramref name="Attempt"/> back.</summary>
    public sealed record DeliverRecipient(MessageEnvelope Envelope, int Index, bool Replayed, long Attempt = 0);

    /// <summary>Ask the delivery agents to deliver some recipients of a message; the router splits them by nexthop.</summary>
    /// <param name="Attempt">The queue's number for this attempt, carried back in every outcome so that a late one is recognised.</param>
    public sealed record DeliverRecipients(MessageEnvelope Envelope, IReadOnlyList<int> Indexes, bool Replayed, long Attempt = 0);

    /// <summary>
    /// The delivery agent's outcome for one recipient: <paramref name="Dsn"/> is the RFC 3463
    /// status ("2.0.0"), <paramref name="Relay"/> where it went ("local", "mx.example.com[192.0.2.1]:25"),
    /// <paramref name="Detail"/> the reply or error text, <paramref name="Attempt"/> the attempt it answers
    /// (0: unnumbered, taken as the current one).
    /// </summary>
    public sealed record DeliveryOutcome(string QueueId, int Index, DeliveryResult Result, string Dsn, string Relay, string Detail, long Attempt = 0) : IQueueCommand;

    /// <summary>Ask the bounce agent for a delivery status notification to the original's sender.</summary>
    public sealed record SendNotice(MessageEnvelope Original, IReadOnlyList<Bounce.DsnRecipient> Recipients, Bounce.DsnKind Kind);

    /// <summary>The notification about <paramref name="OriginalQueueId"/> is queued as <paramref name="NoticeQueueId"/>.</summary>
    public sealed record NoticeQueued(string OriginalQueueId, string NoticeQueueId, Bounce.DsnKind Kind) : IQueueCommand;

    /// <summary>The notification could not be queued; the original stays and it is tried again.</summary>
    public sealed record NoticeFailed(string OriginalQueueId, string Reason, Bounce.DsnKind Kind, IActorRef? ReplyTo) : IQueueCommand;

    /// <summary>
    /// To the delivery agents on a flush: forget which destinations are marked dead, so that the
    /// flushed mail is tried now rather than turned away until the dead time ends (Postfix's flush
    /// purges its dead destinations too).
    /// </summary>
    public sealed record ReviveDestinations
    {
        /// <summary>The only instance.</summary>
        public static readonly ReviveDestinations Instance = new();

        private ReviveDestinations()
        {
        }
    }

    /// <summary>Operator: every message in the queue (answered with <see cref="QueueListing"/>).</summary>
    public sealed record ListMessages : IQueueCommand
    {
        /// <summary>The instance.</summary>
        public static readonly ListMessages Instance = new();
        private ListMessages() { }
    }

    /// <summary>Operator: one message (answered with <see cref="QueueListing"/> of zero or one message).</summary>
    public sealed record ShowMessage(string QueueId) : IQueueCommand;

    /// <summary>Operator: remove a message without delivering or bouncing it (answered with <see cref="AdminResult"/>).</summary>
    public sealed record DeleteMessage(string QueueId) : IQueueCommand;

    /// <summary>Operator: keep a message out of delivery until released (answered with <see cref="AdminResult"/>).</summary>
    public sealed record HoldMessage(string QueueId) : IQueueCommand;

    /// <summary>Operator: release a held message (answered with <see cref="AdminResult"/>).</summary>
    public sealed record ReleaseMessage(string QueueId) : IQueueCommand;

    /// <summary>Operator: retry every deferred recipient now (answered with <see cref="AdminResult"/>).</summary>
    public sealed record FlushQueue : IQueueCommand
    {
        /// <summary>The instance.</summary>
        public static readonly FlushQueue Instance = new();
        private FlushQueue() { }
    }

    /// <summary>What the queue holds, for operators.</summary>
    public sealed record QueueListing(IReadOnlyList<MessageView> Messages);

    /// <summary>The outcome of an operator command; <paramref name="Found"/> false when no such message.</summary>
    public sealed record AdminResult(bool Found, string Text);

    /// <summary>A message as operators see it.</summary>
    public sealed record MessageView(string QueueId, long Size, DateTimeOffset Arrival, string Sender, bool Held, IReadOnlyList<RecipientView> Recipients);

    /// <summary>A recipient as operators see it; <paramref name="NextAttempt"/> only for deferred ones.</summary>
    public sealed record RecipientView(string Address, RecipientStatus Status, int Attempts, DateTimeOffset? NextAttempt, string? LastError);

    /// <summary>Keyed timer: look for deferred recipients that are due.</summary>
    public sealed record RetryTick : IQueueCommand
    {
        /// <summary>The instance.</summary>
        public static readonly RetryTick Instance = new();
        private RetryTick() { }
    }
}

/// <summary>How one delivery attempt ended.</summary>
public enum DeliveryResult
{
    /// <summary>Delivered.</summary>
    Delivered,
    /// <summary>Failed, may succeed later.</summary>
    Deferred,
    /// <summary>Failed for good.</summary>
    Bounced,
    /// <summary>
    /// Accepted by a next hop that does not speak DSN: final, and the success notice a recipient
    /// asked for (NOTIFY=SUCCESS) is ours to send, with the action "relayed" (RFC 3461 section 6.2.2).
    /// </summary>
    Relayed,
}
