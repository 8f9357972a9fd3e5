namespace Mta.Tls;

/// <summary>What a leaf certificate may be used for: its extended key usage.</summary>
public enum CertificateUsage
{
    /// <summary>A TLS server (serverAuth): the certificate of an SMTP server offering STARTTLS.</summary>
    Server,

    /// <summary>A TLS client (clientAuth): the certificate a sending MTA presents to be granted relay.</summary>
    Client,

    /// <summary>Both serverAuth and clientAuth, as for an MTA that receives and delivers with one certificate.</summary>
    Both,
}
