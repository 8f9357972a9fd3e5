namespace Mta.Core.Delivery;

/// <summary>
/// The conversation with the server broke: a timeout, a lost connection or a reply that is not SMTP.
/// The connection cannot be used any more. When <see cref="AfterDataDot"/> is set the server may have
/// accepted the message without the client learning it, so a retry may deliver it twice (RFC 1047).
/// </summary>
public sealed class SmtpClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">One of <see cref="SmtpClientStage"/>: what the client was doing.</param>
    /// <param name="message">The reason, worded as Postfix logs it.</param>
    /// <param name="afterDataDot">Whether the final "." of the message had been sent, or was being sent.</param>
    /// <param name="innerException">The I/O error behind it, if any.</param>
    public SmtpClientException(string stage, string message, bool afterDataDot, Exception? innerException = null)
        : base(message, innerException)
    {
        Stage = stage;
        AfterDataDot = afterDataDot;
    }

    /// <summary>What the client was doing: one of the <see cref="SmtpClientStage"/> names.</summary>
    public string Stage { get; }

    /// <summary>Whether the final "." had been sent: the message may have been delivered.</summary>
    public bool AfterDataDot { get; }
}
