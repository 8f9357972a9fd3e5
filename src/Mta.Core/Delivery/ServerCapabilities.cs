using System.Globalization;
using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>What the server announced in its EHLO reply (RFC 5321 section 4.1.1.1).</summary>
/// <param name="Esmtp">False when the server answered HELO only; then nothing else is offered.</param>
/// <param name="ServerName">The first word of the EHLO or HELO reply: the name the server gives itself.</param>
/// <param name="Pipelining">PIPELINING (RFC 2920).</param>
/// <param name="Size">SIZE (RFC 1870).</param>
/// <param name="SizeLimit">The SIZE value in octets; 0 when no fixed limit was given or the value was not a number.</param>
/// <param name="EightBitMime">8BITMIME (RFC 6152).</param>
/// <param name="SmtpUtf8">SMTPUTF8 (RFC 6531).</param>
/// <param name="Dsn">DSN (RFC 3461).</param>
/// <param name="Chunking">CHUNKING: BDAT (RFC 3030).</param>
/// <param name="StartTls">STARTTLS (RFC 3207).</param>
/// <param name="Keywords">Every EHLO keyword, upper case, including those not listed above.</param>
public sealed record ServerCapabilities(
    bool Esmtp,
    string ServerName,
    bool Pipelining,
    bool Size,
    long SizeLimit,
    bool EightBitMime,
    bool SmtpUtf8,
    bool Dsn,
    bool Chunking,
    bool StartTls,
    IReadOnlySet<string> Keywords)
{
    private static readonly char[] KeywordSeparators = [' ', '\t', '='];

    /// <summary>
    /// Whether 8-bit content may be sent as it is: 8BITMIME is offered, or SMTPUTF8 is, since such a
    /// server takes 8-bit mail even when it forgets to say so (as Postfix assumes).
    /// </summary>
    public bool AcceptsEightBit => EightBitMime || SmtpUtf8;

    /// <summary>Before the server has answered EHLO or HELO: nothing known, nothing offered.</summary>
    internal static ServerCapabilities Unknown { get; } = new(
        Esmtp: false, ServerName: string.Empty, Pipelining: false, Size: false, SizeLimit: 0, EightBitMime: false,
        SmtpUtf8: false, Dsn: false, Chunking: false, StartTls: false, Keywords: new HashSet<string>());

    /// <summary>A server that answered HELO: plain SMTP without extensions.</summary>
    /// <param name="reply">The positive HELO reply.</param>
    public static ServerCapabilities FromHeloReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return Unknown with { ServerName = FirstWord(reply.Lines[0]) };
    }

    /// <summary>
    /// Reads the extensions from a positive EHLO reply: the first line names the server, every further
    /// line starts with a keyword. Keywords compare without regard to case; <c>AUTH=...</c>, an old
    /// draft's form, is read as <c>AUTH</c>.
    /// </summary>
    /// <param name="reply">The positive EHLO reply.</param>
    public static ServerCapabilities FromEhloReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var keywords = new HashSet<string>(StringComparer.Ordinal);
        long sizeLimit = 0;
        for (int i = 1; i < reply.Lines.Count; i++)
        {
            string[] words = reply.Lines[i].Split(KeywordSeparators, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            string keyword = words[0].ToUpperInvariant();
            keywords.Add(keyword);
            if (keyword == "SIZE" && words.Length > 1
                && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out long limit))
            {
                sizeLimit = limit;
            }
        }

        return new ServerCapabilities(
            Esmtp: true,
            FirstWord(reply.Lines[0]),
            Pipelining: keywords.Contains(SmtpExtensions.Pipelining),
            Size: keywords.Contains("SIZE"),
            SizeLimit: sizeLimit,
            EightBitMime: keywords.Contains(SmtpExtensions.EightBitMime),
            SmtpUtf8: keywords.Contains(SmtpExtensions.SmtpUtf8),
            Dsn: keywords.Contains(SmtpExtensions.Dsn),
            Chunking: keywords.Contains(SmtpExtensions.Chunking),
            StartTls: keywords.Contains(SmtpExtensions.StartTls),
            Keywords: keywords);
    }

    private static string FirstWord(string line)
    {
        int end = line.IndexOfAny([' ', '\t']);
        return end < 0 ? line : line[..end];
    }
}
