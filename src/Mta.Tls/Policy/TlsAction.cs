namespace Mta.Tls.Policy;

/// <summary>What a delivery does next at a TLS step.</summary>
public enum TlsAction
{
    /// <summary>Go on as planned: connect, or send mail over the TLS connection just established.</summary>
    Proceed,

    /// <summary>
    /// Go on without TLS. After EHLO or a refused STARTTLS: on the same connection. After a failed
    /// handshake: on a new connection to the same host, since the old one is in an unknown state.
    /// </summary>
    PlaintextOk,

    /// <summary>Send STARTTLS and run the handshake.</summary>
    StartTls,

    /// <summary>Give up on this host (QUIT if the connection is usable) and try the next MX host; the mail is deferred when none is left.</summary>
    SkipHost,

    /// <summary>Defer the mail now without trying further hosts.</summary>
    Defer,
}
