namespace Mta.Protocol;

/// <summary>The SMTP commands the server recognises (RFC 5321, 3030, 3207, 4954).</summary>
public enum SmtpVerb
{
    /// <summary>Not a recognised command.</summary>
    Unknown,

    /// <summary>HELO: plain SMTP greeting.</summary>
    Helo,

    /// <summary>EHLO: extended greeting; the reply lists the extensions.</summary>
    Ehlo,

    /// <summary>MAIL FROM: starts a transaction.</summary>
    Mail,

    /// <summary>RCPT TO: adds a recipient.</summary>
    Rcpt,

    /// <summary>DATA: the message follows, dot-stuffed, up to CRLF.CRLF.</summary>
    Data,

    /// <summary>BDAT: a chunk of the message of a given size follows (RFC 3030).</summary>
    Bdat,

    /// <summary>RSET: aborts the transaction.</summary>
    Rset,

    /// <summary>NOOP.</summary>
    Noop,

    /// <summary>QUIT.</summary>
    Quit,

    /// <summary>VRFY: verify an address.</summary>
    Vrfy,

    /// <summary>EXPN: expand a list.</summary>
    Expn,

    /// <summary>HELP.</summary>
    Help,

    /// <summary>STARTTLS (RFC 3207).</summary>
    StartTls,

    /// <summary>AUTH (RFC 4954).</summary>
    Auth,
}
