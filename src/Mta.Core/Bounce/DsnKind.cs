namespace Mta.Core.Bounce;

/// <summary>Which notification a DSN is (RFC 3461 NOTIFY classes); it decides the subject, the wording and what of the original is returned.</summary>
public enum DsnKind
{
    /// <summary>Delivery failed permanently, or the message expired: "Undelivered Mail Returned to Sender".</summary>
    Failure,

    /// <summary>Delivery is still being retried: "Delayed Mail (still being retried)".</summary>
    Delay,

    /// <summary>Delivered, relayed or expanded: "Successful Mail Delivery Report".</summary>
    Success,
}
