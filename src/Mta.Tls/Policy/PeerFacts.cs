namespace Mta.Tls.Policy;

/// <summary>What the caller learned about the server certificate after the handshake.</summary>
/// <param name="ChainTrusted">The chain verifies against ca-file/ca-path (and system roots only when append-default-ca is on).</param>
/// <param name="NameMatches">A certificate name matches one of the policy's match names (verify).</param>
/// <param name="SecureNameMatches">A certificate name matches one of the policy's match names for the secure level: the nexthop domain or a subdomain unless match= says otherwise.</param>
/// <param name="FingerprintMatches">The certificate or public-key fingerprint is one of the policy's match fingerprints.</param>
public sealed record PeerFacts(bool ChainTrusted, bool NameMatches, bool SecureNameMatches, bool FingerprintMatches);
