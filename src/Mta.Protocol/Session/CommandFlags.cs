namespace Mta.Protocol;

/// <summary>Properties of a command that do not depend on the session state.</summary>
[Flags]
public enum CommandFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>
    /// Allowed while TLS is required but not yet active: EHLO, HELO, STARTTLS, NOOP, HELP and QUIT, as
    /// with Postfix's <c>smtpd_tls_security_level = encrypt</c>. Others get
    /// <see cref="Replies.MustStartTlsFirst"/>.
    /// </summary>
    AllowedBeforeTls = 1,

    /// <summary>
    /// Must be the last command of a pipelined group, so pending replies are flushed after it:
    /// EHLO, HELO, DATA, VRFY, EXPN, QUIT, NOOP (RFC 2920 section 3.1), STARTTLS (RFC 3207) and AUTH (RFC 4954).
    /// </summary>
    EndsPipelineGroup = 2,

    /// <summary>
    /// When accepted, what follows on the connection is no longer a command line: message content
    /// (DATA, BDAT), a TLS handshake (STARTTLS) or the end of the connection (QUIT).
    /// </summary>
    ChangesMode = 4,
}
