using Mta.Core.Spool;
using Mta.Protocol;

namespace Mta.Core.Queue;

/// <summary>One envelope recipient as accepted at RCPT.</summary>
public sealed record EnvelopeRecipient(string Address, DsnNotify Notify, string? OriginalRecipient)
{
    /// <summary>The domain part (after the last '@'), lower-cased; empty for a bare local part such as Postmaster.</summary>
    public string Domain
    {
        get
        {
            var at = Address.LastIndexOf('@');
            return at < 0 ? string.Empty : Address[(at + 1)..].ToLowerInvariant();
        }
    }

    /// <summary>The local part as written in the address.</summary>
    public string LocalPart
    {
        get
        {
            var at = Address.LastIndexOf('@');
            return at < 0 ? Address : Address[..at];
        }
    }
}

/// <summary>Everything the queue keeps about an accepted message except per-recipient progress.</summary>
public sealed record MessageEnvelope(
    string QueueId,
    string Sender,
    long ArrivalUnixMs,
    SpoolBody Body,
    EnvelopeRecipient[] Recipients,
    BodyType BodyType,
    bool SmtpUtf8,
    DsnReturn Ret,
    string? EnvId,
    string ClientAddress,
    string HeloName)
{
    /// <summary>Time of arrival.</summary>
    public DateTimeOffset Arrival => DateTimeOffset.FromUnixTimeMilliseconds(ArrivalUnixMs);
}

/// <summary>Where delivery to one recipient stands.</summary>
public enum RecipientStatus : byte
{
    /// <summary>Not tried yet, or being tried.</summary>
    Pending = 0,
    /// <summary>Delivered; final.</summary>
    Delivered = 1,
    /// <summary>Failed temporarily; retried at the next attempt time.</summary>
    Deferred = 2,
    /// <summary>Failed permanently; final.</summary>
    Bounced = 3,
    /// <summary>Accepted by a next hop that does not speak DSN; final.</summary>
    Relayed = 4,
}

/// <summary>Progress of one recipient.</summary>
public sealed class RecipientProgress
{
    /// <summary>Current status.</summary>
    public RecipientStatus Status { get; set; }
    /// <summary>Delivery attempts made.</summary>
    public int Attempts { get; set; }
    /// <summary>When a deferred recipient is due again (Unix ms); 0 when not deferred.</summary>
    public long NextAttemptUnixMs { get; set; }
    /// <summary>The last failure, as the reply or error text.</summary>
    public string? LastError { get; set; }

    /// <summary>RFC 3463 status of the last failure.</summary>
    public string? LastDsn { get; set; }

    /// <summary>Where the last attempt went ("local", "host[ip]:port").</summary>
    public string? LastRelay { get; set; }

    /// <summary>
    /// An attempt for this recipient is out and has not reported. Not journaled: after a restart
    /// nothing is in flight. A recipient in flight is never handed out a second time.
    /// </summary>
    public bool InFlight { get; set; }

    /// <summary>The number of the attempt in flight (not journaled): an outcome of an older one is late.</summary>
    public long CurrentAttempt { get; set; }

    /// <summary>Final states need no more work.</summary>
    public bool IsFinal => Status is RecipientStatus.Delivered or RecipientStatus.Bounced or RecipientStatus.Relayed;

    /// <summary>A copy, for snapshots.</summary>
    public RecipientProgress Clone() => (RecipientProgress)MemberwiseClone();
}

/// <summary>A message in the queue: its envelope and the progress of each recipient.</summary>
public sealed class QueueEntry(MessageEnvelope envelope, RecipientProgress[] progress)
{
    /// <summary>The accepted envelope.</summary>
    public MessageEnvelope Envelope { get; } = envelope;
    /// <summary>Per-recipient progress, index-aligned with <see cref="MessageEnvelope.Recipients"/>.</summary>
    public RecipientProgress[] Progress { get; } = progress;
    /// <summary>Delivery status notifications already queued for this message (persisted).</summary>
    public HashSet<Bounce.DsnKind> NoticesSent { get; } = new();

    /// <summary>Notifications asked for whose answer has not come (not persisted).</summary>
    public HashSet<Bounce.DsnKind> NoticesRequested { get; } = new();

    /// <summary>Held by an operator: not delivered until released.</summary>
    public bool Held { get; set; }

    /// <summary>Delivery attempts running now (not persisted).</summary>
    public int InFlight { get; set; }

    /// <summary>When the running attempts count as lost if they have not reported (Unix ms; not persisted).</summary>
    public long AttemptDeadlineUnixMs { get; set; } = long.MaxValue;

    /// <summary>True when every recipient is delivered or bounced.</summary>
    public bool IsComplete
    {
        get
        {
            foreach (var p in Progress)
                if (!p.IsFinal) return false;
            return true;
        }
    }
}
