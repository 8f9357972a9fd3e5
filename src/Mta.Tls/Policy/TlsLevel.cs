namespace Mta.Tls.Policy;

/// <summary>
/// How much TLS an outbound delivery insists on, ordered from weakest to strongest as Postfix orders
/// its smtp_tls_security_level values; a level later in the list never accepts less than an
/// earlier one.
/// </summary>
public enum TlsLevel
{
    /// <summary>Never STARTTLS.</summary>
    None,

    /// <summary>STARTTLS when the server offers it; the certificate is not checked.</summary>
    May,

    /// <summary>TLS is required; the certificate is not checked.</summary>
    Encrypt,

    /// <summary>TLS is required and the server certificate or public-key fingerprint must be listed.</summary>
    Fingerprint,

    /// <summary>TLS is required, the chain must be trusted and a name must match (by default the MX host name).</summary>
    Verify,

    /// <summary>As verify, but the name must match the nexthop domain or a subdomain, never a name learned from MX.</summary>
    Secure,
}
