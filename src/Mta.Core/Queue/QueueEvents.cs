namespace Mta.Core.Queue;

/// <summary>Marker for what the queue journals.</summary>
public interface IQueueEvent
{
    /// <summary>The message the event concerns.</summary>
    string QueueId { get; }
}

/// <summary>A message was accepted: its body is durable in the spool.</summary>
public sealed record MessageQueued(MessageEnvelope Envelope) : IQueueEvent
{
    /// <inheritdoc />
    public string QueueId => Envelope.QueueId;
}

/// <summary>A recipient was delivered.</summary>
public sealed record RecipientDelivered(string QueueId, int Index, string Detail, string Relay = "none") : IQueueEvent;

/// <summary>A recipient was accepted by a next hop that does not speak DSN (so a success notice asked for is ours to send).</summary>
public sealed record RecipientRelayed(string QueueId, int Index, string Detail, string Relay) : IQueueEvent;

/// <summary>A recipient failed temporarily and is due again at <paramref name="NextAttemptUnixMs"/>.</summary>
public sealed record RecipientDeferred(string QueueId, int Index, long NextAttemptUnixMs, string Reason, string Dsn = "4.0.0", string Relay = "none") : IQueueEvent;

/// <summary>A recipient failed permanently.</summary>
public sealed record RecipientBounced(string QueueId, int Index, string Reason, string Dsn = "5.0.0", string Relay = "none") : IQueueEvent;

/// <summary>An operator put the message on hold: no delivery until it is released.</summary>
public sealed record MessageHeld(string QueueId) : IQueueEvent;

/// <summary>An operator released a held message.</summary>
public sealed record MessageReleased(string QueueId) : IQueueEvent;

/// <summary>An operator deleted the message; it leaves the queue undelivered and without a bounce, as postsuper -d.</summary>
public sealed record MessageDeleted(string QueueId) : IQueueEvent;

/// <summary>A delivery status notification of <paramref name="Kind"/> about the message is queued; once every notice a finished message owes is sent, it leaves.</summary>
public sealed record NoticeSent(string QueueId, string NoticeQueueId, Bounce.DsnKind Kind = Bounce.DsnKind.Failure) : IQueueEvent;

/// <summary>The whole queue at one sequence number, so recovery need not replay history.</summary>
public sealed record QueueSnapshot(IReadOnlyList<QueueSnapshotEntry> Entries);

/// <summary>One message in a snapshot.</summary>
public sealed record QueueSnapshotEntry(MessageEnvelope Envelope, RecipientProgress[] Progress, bool Held = false, IReadOnlyCollection<Bounce.DsnKind>? NoticesSent = null);
