namespace Mta.Tls;

/// <summary>The key pair a new certificate gets.</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on the NIST P-256 curve: small, fast, and what every TLS 1.2/1.3 peer supports. The default.</summary>
    EcdsaP256,

    /// <summary>RSA with a 2048-bit modulus, for peers that only know RSA.</summary>
    Rsa2048,

    /// <summary>RSA with a 3072-bit modulus.</summary>
    Rsa3072,
}
