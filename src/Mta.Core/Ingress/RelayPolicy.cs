using Mta.Core.Configuration;
using Mta.Protocol;

namespace Mta.Core.Ingress;

/// <summary>What the recipient restrictions need to know about a client and a recipient.</summary>
/// <param name="ClientInMynetworks">The client address is in mynetworks.</param>
/// <param name="DestinationIsOurs">The recipient domain is local (mydestination) or in relay-domains.</param>
/// <param name="Recipient">The recipient as the client wrote it, for reply texts.</param>
/// <param name="Tls">The session's TLS, null in plaintext.</param>
/// <param name="RelayClientCerts">relay-clientcerts, for permit_tls_clientcerts.</param>
public readonly record struct RelayContext(bool ClientInMynetworks, bool DestinationIsOurs, string Recipient, TlsFacts? Tls = null, RelayClientCerts? RelayClientCerts = null);

/// <summary>
/// Postfix's smtpd_recipient_restrictions, evaluated in order at RCPT: the first restriction that
/// decides wins; falling off the end permits (which is why the configuration refuses a list that
/// cannot reject relaying).
/// </summary>
public static class RelayPolicy
{
    /// <summary>Null when the recipient is permitted, otherwise the rejection.</summary>
    public static SmtpReply? Evaluate(IReadOnlyList<Restriction> restrictions, in RelayContext context)
    {
        foreach (var restriction in restrictions)
        {
            switch (restriction)
            {
                case Restriction.PermitMynetworks when context.ClientInMynetworks:
                case Restriction.Permit:
                // The public-key fingerprint first, then the certificate's; no trusted chain needed.
                case Restriction.PermitTlsClientcerts when context.Tls is { ClientCertificate: true } tls && context.RelayClientCerts is { } table
                                                           && (table.Contains(tls.PublicKeyFingerprint) || table.Contains(tls.CertificateFingerprint)):
                case Restriction.PermitTlsAllClientcerts when context.Tls is { ClientCertificate: true, Verified: true }:
                    return null;
                case Restriction.RejectUnauthDestination when !context.DestinationIsOurs:
                    return Replies.RelayDenied(context.Recipient);
                case Restriction.DeferUnauthDestination when !context.DestinationIsOurs:
                    return SmtpReply.Create(454, "4.7.1", $"<{context.Recipient}>: Relay access denied");
                case Restriction.Reject:
                    return SmtpReply.Create(554, "5.7.1", $"<{context.Recipient}>: Recipient address rejected: Access denied");
            }
        }
        return null;
    }
}
