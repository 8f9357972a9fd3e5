namespace Mta.Core.Local;

/// <summary>The result of one Maildir delivery.</summary>
/// <param name="Outcome">Whether the message is now in the mailbox.</param>
/// <param name="Error">For <see cref="MaildirOutcome.Failed"/>: an enhanced status code (RFC 3463) and
/// text, such as <c>4.3.0 ...</c>; otherwise null.</param>
/// <param name="IsTransient">For a failure: true to retry later (defer), false to bounce.</param>
public sealed record MaildirResult(MaildirOutcome Outcome, string? Error, bool IsTransient)
{
    /// <summary>The message was delivered.</summary>
    public static MaildirResult Delivered { get; } = new(MaildirOutcome.Delivered, null, false);

    /// <summary>The message had been delivered before.</summary>
    public static MaildirResult AlreadyDelivered { get; } = new(MaildirOutcome.AlreadyDelivered, null, false);

    /// <summary>A failure worth retrying later.</summary>
    public static MaildirResult Transient(string error) => new(MaildirOutcome.Failed, error, true);

    /// <summary>A failure that retrying cannot fix.</summary>
    public static MaildirResult Permanent(string error) => new(MaildirOutcome.Failed, error, false);
}
