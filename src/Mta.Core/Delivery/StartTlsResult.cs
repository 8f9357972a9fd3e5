using System.Security.Cryptography.X509Certificates;
using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>How a STARTTLS attempt ended.</summary>
public enum StartTlsOutcome
{
    /// <summary>TLS is up and the server answered the new EHLO (or refused it: see <see cref="SmtpClientConnection.Refusal"/>).</summary>
    Established,

    /// <summary>The server answered STARTTLS with an error; the plaintext conversation goes on unless the reply was 421.</summary>
    Refused,

    /// <summary>The server agreed but the handshake failed; the connection cannot be used any more.</summary>
    HandshakeFailed,
}

/// <summary>The outcome of <see cref="SmtpClientConnection.StartTlsAsync"/>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reply">The server's reply to STARTTLS.</param>
/// <param name="DiscardedOctets">
/// Octets the server sent after its 2xx in the same read, thrown away unread so that nothing sent
/// before the handshake is taken for an answer inside TLS (response injection). Normally 0.
/// </param>
/// <param name="Failure">Why the handshake failed, for logs; null unless <see cref="StartTlsOutcome.HandshakeFailed"/>.</param>
public sealed record StartTlsResult(StartTlsOutcome Outcome, SmtpReply Reply, int DiscardedOctets, string? Failure);

/// <summary>What a finished client handshake established.</summary>
/// <param name="Protocol">The protocol as Postfix logs it: <c>TLSv1.2</c> or <c>TLSv1.3</c>.</param>
/// <param name="Cipher">The cipher suite's IANA name, such as <c>TLS_AES_256_GCM_SHA384</c>.</param>
/// <param name="PeerChain">
/// The certificates the server sent, its own first; empty when it sent none. Owned by the
/// connection, which disposes them with itself.
/// </param>
public sealed record TlsSession(string Protocol, string Cipher, IReadOnlyList<X509Certificate2> PeerChain)
{
    /// <summary>The server's own certificate, or null when it sent none.</summary>
    public X509Certificate2? PeerCertificate => PeerChain.Count > 0 ? PeerChain[0] : null;

    /// <summary>The protocol name Postfix writes for a negotiated <see cref="System.Security.Authentication.SslProtocols"/> value.</summary>
    public static string ProtocolName(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
        var other => other.ToString(),
    };
}
