using Mta.Protocol;

namespace Mta.Core.Bounce;

/// <summary>Everything the queue knows that goes into one delivery status notification.</summary>
/// <param name="ReportingMta">This server's name (myhostname); written as <c>Reporting-MTA: dns; host</c> and used in the text and the Message-ID.</param>
/// <param name="Postmaster">The From address, normally <c>MAILER-DAEMON@myhostname</c>.</param>
/// <param name="Recipient">Who receives the notification: the envelope sender of the original message
/// (or the postmaster for a double bounce); written as To.</param>
/// <param name="QueueId">The original message's queue id; written as <c>X-Mta-Queue-ID</c>.</param>
/// <param name="ArrivalDate">When the original message was accepted.</param>
/// <param name="EnvId">ENVID from MAIL FROM (RFC 3461), or null; written as Original-Envelope-Id.</param>
/// <param name="Ret">RET from MAIL FROM: for failures, <see cref="DsnReturn.Headers"/> returns the headers only, anything else
/// the whole message. Delay and success notifications always return the headers only, as Postfix does.</param>
/// <param name="Recipients">The recipients reported; at least one, each with an action that fits <paramref name="Kind"/>.</param>
/// <param name="Kind">Failure, delay or success.</param>
/// <param name="ReceivedFromMta">The name of the client the original came from, or null; written as <c>Received-From-MTA: dns; host</c>.</param>
/// <param name="MaxReturnedBytes">The largest original returned whole; a larger one is returned as headers only, and no more
/// than this many octets of headers are returned. Must be positive.</param>
public sealed record DsnRequest(
    string ReportingMta,
    string Postmaster,
    string Recipient,
    string QueueId,
    DateTimeOffset ArrivalDate,
    string? EnvId,
    DsnReturn Ret,
    IReadOnlyList<DsnRecipient> Recipients,
    DsnKind Kind,
    string? ReceivedFromMta,
    int MaxReturnedBytes = DsnRequest.DefaultMaxReturnedBytes)
{
    /// <summary>Default for <see cref="MaxReturnedBytes"/>: Postfix's bounce_size_limit, 50000 octets.</summary>
    public const int DefaultMaxReturnedBytes = 50_000;
}
