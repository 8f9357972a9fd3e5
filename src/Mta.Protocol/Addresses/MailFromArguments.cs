namespace Mta.Protocol;

/// <summary>Body type declared with MAIL BODY= (RFC 6152, RFC 3030).</summary>
public enum BodyType
{
    /// <summary>7BIT, also the default when BODY is absent.</summary>
    SevenBit,

    /// <summary>8BITMIME.</summary>
    EightBitMime,

    /// <summary>BINARYMIME (only with BDAT).</summary>
    BinaryMime,
}

/// <summary>What a delivery status notification returns of the message (MAIL RET=, RFC 3461).</summary>
public enum DsnReturn
{
    /// <summary>RET absent: the server chooses.</summary>
    Unspecified,

    /// <summary>RET=FULL: the whole message.</summary>
    Full,

    /// <summary>RET=HDRS: the headers only.</summary>
    Headers,
}

/// <summary>When to send delivery status notifications for a recipient (RCPT NOTIFY=, RFC 3461).</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>NOTIFY absent: the server's default (failures and delays).</summary>
    Unspecified = 0,

    /// <summary>NEVER; cannot be combined with the others.</summary>
    Never = 1,

    /// <summary>SUCCESS.</summary>
    Success = 2,

    /// <summary>FAILURE.</summary>
    Failure = 4,

    /// <summary>DELAY.</summary>
    Delay = 8,
}

/// <summary>The parsed argument of MAIL FROM.</summary>
/// <param name="ReversePath">The sender, or null for the null reverse-path <c>&lt;&gt;</c> (bounces).</param>
/// <param name="Size">SIZE= in octets (RFC 1870), or null when absent.</param>
/// <param name="Body">BODY=, <see cref="BodyType.SevenBit"/> when absent.</param>
/// <param name="SmtpUtf8">Whether SMTPUTF8 was given (RFC 6531).</param>
/// <param name="Ret">RET= (RFC 3461).</param>
/// <param name="EnvId">ENVID= after xtext decoding, or null when absent.</param>
public sealed record MailFromArguments(
    Mailbox? ReversePath,
    long? Size,
    BodyType Body,
    bool SmtpUtf8,
    DsnReturn Ret,
    string? EnvId);

/// <summary>The parsed argument of RCPT TO.</summary>
/// <param name="Recipient">The recipient; source routes are removed. <c>&lt;Postmaster&gt;</c> has an empty domain.</param>
/// <param name="Notify">NOTIFY= (RFC 3461).</param>
/// <param name="OriginalRecipient">ORCPT= as <c>addr-type;address</c> with the address xtext-decoded, or null when absent.</param>
public sealed record RcptToArguments(Mailbox Recipient, DsnNotify Notify, string? OriginalRecipient);
