namespace Mta.Protocol;

/// <summary>
/// Where a server session stands between commands. Receiving DATA or BDAT content is a mode of the
/// connection, not a state here.
/// </summary>
public enum SmtpState
{
    /// <summary>Connected, no HELO or EHLO yet (also after STARTTLS, which requires a new EHLO).</summary>
    Connected,

    /// <summary>HELO or EHLO done, no transaction.</summary>
    Greeted,

    /// <summary>MAIL accepted, no recipient accepted yet.</summary>
    Mail,

    /// <summary>At least one RCPT accepted.</summary>
    Rcpt,
}
