namespace Mta.Protocol;

/// <summary>
/// The protocol's size limits in one place. Each value says where it comes from; callers that make
/// a limit configurable use these as defaults.
/// </summary>
public static class SmtpLimits
{
    /// <summary>
    /// Longest command line accepted, in octets without the line terminator. Postfix's
    /// <c>line_length_limit</c> default; RFC 5321 section 4.5.3.1.4 asks for at least 512.
    /// </summary>
    public const int CommandLineOctets = 2048;

    /// <summary>Longest local part of a mailbox, in octets (RFC 5321 section 4.5.3.1.1).</summary>
    public const int LocalPartOctets = 64;

    /// <summary>Longest domain, in octets (RFC 5321 section 4.5.3.1.2).</summary>
    public const int DomainOctets = 255;

    /// <summary>
    /// Longest path including its angle brackets, in octets (RFC 5321 section 4.5.3.1.3), so a
    /// mailbox (<c>local@domain</c>) has at most 254.
    /// </summary>
    public const int PathOctets = 256;

    /// <summary>Longest label of an ASCII domain name, in octets (RFC 1035 section 2.3.4).</summary>
    public const int LabelOctets = 63;

    /// <summary>
    /// Longest text line on the wire without CRLF (RFC 5321 section 4.5.3.1.6: 1000 octets with
    /// CRLF; RFC 5322 section 2.1.1). Outbound content is folded to fit.
    /// </summary>
    public const int TextLineOctets = 998;

    /// <summary>
    /// Longest reply line a client accepts, in octets without CRLF. RFC 5321 section 4.5.3.1.5
    /// says 512, but real servers send longer lines; the cap only stops unbounded buffering.
    /// </summary>
    public const int ReplyLineOctets = 4096;

    /// <summary>Most lines a client accepts in one multi-line reply (an EHLO reply has about 15).</summary>
    public const int ReplyLines = 128;

    /// <summary>Longest ENVID value, in characters after xtext decoding (RFC 3461 section 4.4).</summary>
    public const int EnvelopeIdLength = 100;

    /// <summary>Longest ORCPT value, in characters as sent (RFC 3461 section 4.2).</summary>
    public const int OriginalRecipientLength = 500;
}
