namespace Mta.Protocol;

/// <summary>EHLO keywords of the extensions the server can advertise.</summary>
public static class SmtpExtensions
{
    /// <summary>PIPELINING (RFC 2920).</summary>
    public const string Pipelining = "PIPELINING";

    /// <summary>8BITMIME (RFC 6152).</summary>
    public const string EightBitMime = "8BITMIME";

    /// <summary>BINARYMIME (RFC 3030); needs CHUNKING.</summary>
    public const string BinaryMime = "BINARYMIME";

    /// <summary>CHUNKING: the BDAT command (RFC 3030).</summary>
    public const string Chunking = "CHUNKING";

    /// <summary>DSN (RFC 3461).</summary>
    public const string Dsn = "DSN";

    /// <summary>ENHANCEDSTATUSCODES (RFC 2034).</summary>
    public const string EnhancedStatusCodes = "ENHANCEDSTATUSCODES";

    /// <summary>SMTPUTF8 (RFC 6531).</summary>
    public const string SmtpUtf8 = "SMTPUTF8";

    /// <summary>STARTTLS (RFC 3207).</summary>
    public const string StartTls = "STARTTLS";

    /// <summary>SIZE with the largest message accepted, in octets (RFC 1870); 0 means no fixed limit.</summary>
    public static string Size(long limit) => $"SIZE {limit}";
}
