namespace Mta.Tls;

/// <summary>
/// A certificate or key file that cannot be used: missing, unreadable, not PEM, not matching its key.
/// The message names the file and says what is wrong, ready to show to an operator.
/// </summary>
public sealed class CertificateFileException : Exception
{
    /// <summary>Creates the exception with a message that names the file.</summary>
    public CertificateFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the file and the error that caused it.</summary>
    public CertificateFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public CertificateFileException()
        : base("a certificate or key file cannot be used")
    {
    }
}
