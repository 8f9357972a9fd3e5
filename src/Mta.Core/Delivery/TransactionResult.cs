using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>What became of one recipient in a mail transaction.</summary>
/// <param name="Index">The recipient's index in <see cref="Queue.MessageEnvelope.Recipients"/>.</param>
/// <param name="Reply">
/// The reply that decides the recipient: the RCPT reply when RCPT failed, the MAIL reply when MAIL
/// failed, the DATA reply when DATA was refused, otherwise the reply to the final "." (2xx: delivered).
/// Replies the client makes up itself, without asking the server (SMTPUTF8 or SIZE not satisfiable),
/// carry the enhanced code Postfix uses for them.
/// </param>
public sealed record RecipientOutcome(int Index, SmtpReply Reply);

/// <summary>The outcome of one mail transaction.</summary>
/// <param name="Recipients">One outcome per recipient asked for, in the order asked.</param>
/// <param name="MailReply">The reply to MAIL FROM; null when MAIL was not sent.</param>
/// <param name="ConnectionUsable">
/// Whether the connection may carry another transaction (after <see cref="SmtpClientConnection.ResetAsync"/>);
/// false once the server said 421 or left the conversation in a state the client cannot recover.
/// </param>
public sealed record TransactionResult(IReadOnlyList<RecipientOutcome> Recipients, SmtpReply? MailReply, bool ConnectionUsable);
