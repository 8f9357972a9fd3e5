namespace Mta.Core.Bounce;

/// <summary>The per-recipient Action field of a delivery status notification (RFC 3464 section 2.3.3).</summary>
public enum DsnAction
{
    /// <summary>"failed": the message could not be delivered and will not be retried.</summary>
    Failed,

    /// <summary>"delayed": not delivered yet, still being retried.</summary>
    Delayed,

    /// <summary>"delivered": delivered to the recipient's mailbox.</summary>
    Delivered,

    /// <summary>"relayed": handed to a system that does not send DSNs itself.</summary>
    Relayed,

    /// <summary>"expanded": delivered to an alias or list that forwarded it to several addresses.</summary>
    Expanded,
}
