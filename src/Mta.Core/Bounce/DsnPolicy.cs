using Mta.Protocol;

namespace Mta.Core.Bounce;

/// <summary>Pure decisions about whether and to whom delivery status notifications are sent, following Postfix's bounce(8) and qmgr(8).</summary>
public static class DsnPolicy
{
    /// <summary>The local part that identifies mail from a mail system rather than a person.</summary>
    public const string MailerDaemon = "MAILER-DAEMON";

    /// <summary>
    /// True when a notification may go to this envelope sender. The null sender (empty, or <c>&lt;&gt;</c>) and
    /// <c>MAILER-DAEMON</c> (with or without a domain, any case) get none: a bounce is never bounced, so two mail systems
    /// cannot bounce at each other forever (RFC 5321 section 4.5.5).
    /// </summary>
    public static bool ShouldBounce(string envelopeSender)
    {
        if (envelopeSender.Length == 0 || envelopeSender == "<>") return false;
        var at = envelopeSender.LastIndexOf('@');
        var localPart = at < 0 ? envelopeSender : envelopeSender[..at];
        return !localPart.Equals(MailerDaemon, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when a failure of a message from this sender is a double bounce: the sender gets no notification
    /// (<see cref="ShouldBounce"/> is false), so, as Postfix does, the report goes to the postmaster instead.
    /// Delay and success notices for such a message are dropped, never double bounces.
    /// </summary>
    public static bool IsDoubleBounce(string envelopeSender, DsnKind kind) =>
        kind == DsnKind.Failure && !ShouldBounce(envelopeSender);

    /// <summary>
    /// True when a recipient with this NOTIFY gets a notification of this kind. NEVER: none. Failures: with FAILURE or
    /// without NOTIFY. Delays: with DELAY or without NOTIFY, and only when delay warnings are on
    /// (Postfix's delay_warning_time above zero). Successes: only with SUCCESS.
    /// </summary>
    /// <param name="notify">The recipient's NOTIFY from RCPT TO.</param>
    /// <param name="kind">The notification considered.</param>
    /// <param name="delayWarningsEnabled">Whether this server sends delay warnings at all.</param>
    public static bool ShouldNotify(DsnNotify notify, DsnKind kind, bool delayWarningsEnabled)
    {
        if (notify.HasFlag(DsnNotify.Never)) return false;
        var unspecified = notify == DsnNotify.Unspecified;
        return kind switch
        {
            DsnKind.Failure => unspecified || notify.HasFlag(DsnNotify.Failure),
            DsnKind.Delay => delayWarningsEnabled && (unspecified || notify.HasFlag(DsnNotify.Delay)),
            DsnKind.Success => notify.HasFlag(DsnNotify.Success),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown notification kind."),
        };
    }

    /// <summary>
    /// True when a still-undelivered message is due its one delay warning: warnings are on (a positive
    /// <paramref name="delayWarningTime"/>, Postfix's delay_warning_time; null or zero turns them off), none was sent
    /// yet, and the message has waited at least that long since arrival.
    /// </summary>
    public static bool DelayWarningDue(DateTimeOffset arrival, DateTimeOffset now, TimeSpan? delayWarningTime, bool alreadyWarned)
    {
        if (alreadyWarned || delayWarningTime is not { } warnAfter || warnAfter <= TimeSpan.Zero) return false;
        return now - arrival >= warnAfter;
    }
}
