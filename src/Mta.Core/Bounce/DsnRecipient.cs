namespace Mta.Core.Bounce;

/// <summary>What a delivery status notification reports about one recipient (RFC 3464 section 2.3).</summary>
/// <param name="FinalRecipient">The envelope recipient the attempt was made for; written as <c>Final-Recipient: rfc822; addr</c>.</param>
/// <param name="OriginalRecipient">ORCPT as given at RCPT (<c>rfc822;addr</c>, RFC 3461), or null; written as Original-Recipient.</param>
/// <param name="Action">The Action field; it must fit the notification's <see cref="DsnKind"/>.</param>
/// <param name="Status">The RFC 3463 status code, <c>class.subject.detail</c> such as <c>5.1.1</c>.</param>
/// <param name="RemoteMta">The host name of the server that gave the reply, or null when no remote server was involved.</param>
/// <param name="DiagnosticCode">The reply as <c>type; text</c>, such as <c>smtp; 550 5.1.1 &lt;x&gt;: User unknown</c>, or null.
/// Text without a leading type is written with the type <c>X-Mta</c>.</param>
/// <param name="LastAttempt">When delivery was last tried, or null.</param>
/// <param name="WillRetryUntil">Until when a delayed recipient will be retried; written only for <see cref="DsnAction.Delayed"/>.</param>
public sealed record DsnRecipient(
    string FinalRecipient,
    string? OriginalRecipient,
    DsnAction Action,
    string Status,
    string? RemoteMta,
    string? DiagnosticCode,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? WillRetryUntil);
