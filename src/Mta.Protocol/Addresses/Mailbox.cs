using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mta.Protocol;

/// <summary>
/// A mailbox <c>local@domain</c> as RFC 5321 section 4.1.2 defines it, extended to UTF-8 by RFC 6531.
/// <see cref="LocalPart"/> is kept exactly as it must be written back, quotes included.
/// <see cref="Domain"/> is empty only for the special recipient <c>&lt;Postmaster&gt;</c>.
/// </summary>
/// <param name="LocalPart">Dot-atom or quoted string, as written.</param>
/// <param name="Domain">Domain name or address literal in brackets, as written.</param>
public sealed record Mailbox(string LocalPart, string Domain)
{
    private static readonly SearchValues<char> AtextSymbols = SearchValues.Create("!#$%&'*+-/=?^_`{|}~");

    /// <summary>Whether the address contains non-ASCII characters and so needs SMTPUTF8.</summary>
    public bool IsUtf8 => !Ascii.IsValid(LocalPart) || !Ascii.IsValid(Domain);

    /// <summary>Whether the local part is <c>postmaster</c> in any case, unquoted.</summary>
    public bool IsPostmaster => LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>local@domain</c> (no angle brackets).</summary>
    /// <returns>False when the text is not a valid mailbox or exceeds the RFC 5321 size limits.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out Mailbox? mailbox)
    {
        mailbox = null;
        int localLength = ScanLocalPart(text);
        if (localLength <= 0 || localLength >= text.Length || text[localLength] != '@')
        {
            return false;
        }

        ReadOnlySpan<char> local = text[..localLength];
        ReadOnlySpan<char> domain = text[(localLength + 1)..];
        if (!IsValidDomain(domain) || !FitsSizeLimits(local, domain))
        {
            return false;
        }

        mailbox = new Mailbox(local.ToString(), domain.ToString());
        return true;
    }

    /// <summary>
    /// Whether <paramref name="domain"/> is a domain name (labels of letters, digits and hyphens,
    /// or UTF-8 U-labels) or an address literal <c>[192.0.2.1]</c> / <c>[IPv6:2001:db8::1]</c>.
    /// General address literals (<c>[tag:content]</c>) are refused.
    /// </summary>
    public static bool IsValidDomain(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty)
        {
            return false;
        }

        return domain[0] == '[' ? IsValidAddressLiteral(domain) : IsValidDomainName(domain);
    }

    /// <summary><c>local@domain</c>, or the local part alone when there is no domain.</summary>
    public override string ToString() => Domain.Length == 0 ? LocalPart : $"{LocalPart}@{Domain}";

    /// <summary>Length of a valid dot-atom or quoted-string local part at the start of the text, or -1.</summary>
    private static int ScanLocalPart(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return -1;
        }

        return text[0] == '"' ? ScanQuotedString(text) : ScanDotAtom(text);
    }

    private static int ScanQuotedString(ReadOnlySpan<char> text)
    {
        int i = 1;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"')
            {
                return i + 1;
            }

            if (c == '\\')
            {
                // quoted-pairSMTP: a backslash and one printable ASCII character.
                if (i + 1 >= text.Length || text[i + 1] is < ' ' or > '~')
                {
                    return -1;
                }

                i += 2;
                continue;
            }

            if (c < 0x80 ? c is < ' ' or > '~' : !IsWellFormedNonAscii(text, ref i))
            {
                return -1;
            }

            i++;
        }

        return -1;
    }

    private static int ScanDotAtom(ReadOnlySpan<char> text)
    {
        bool atomStart = true;
        int i = 0;
        for (; i < text.Length && text[i] != '@'; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (atomStart)
                {
                    return -1;
                }

                atomStart = true;
                continue;
            }

            if (c < 0x80 ? !IsAtext(c) : !IsWellFormedNonAscii(text, ref i))
            {
                return -1;
            }

            atomStart = false;
        }

        return atomStart ? -1 : i;
    }

    private static bool IsValidDomainName(ReadOnlySpan<char> domain)
    {
        int labelStart = 0;
        for (int i = 0; i <= domain.Length; i++)
        {
            if (i < domain.Length && domain[i] != '.')
            {
                continue;
            }

            if (!IsValidLabel(domain[labelStart..i]))
            {
                return false;
            }

            labelStart = i + 1;
        }

        return true;
    }

    private static bool IsValidLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        bool ascii = true;
        for (int i = 0; i < label.Length; i++)
        {
            char c = label[i];
            if (c >= 0x80)
            {
                // U-label (RFC 6531): UTF-8 letters are allowed as written; IDNA checks are the resolver's.
                if (!IsWellFormedNonAscii(label, ref i))
                {
                    return false;
                }

                ascii = false;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        // The 63-octet limit applies to the A-label, which only an ASCII label is written as.
        return !ascii || label.Length <= SmtpLimits.LabelOctets;
    }

    private static bool IsValidAddressLiteral(ReadOnlySpan<char> literal)
    {
        if (literal.Length < 3 || literal[^1] != ']')
        {
            return false;
        }

        ReadOnlySpan<char> content = literal[1..^1];
        const string Ipv6Tag = "IPv6:";
        if (content.StartsWith(Ipv6Tag, StringComparison.OrdinalIgnoreCase))
        {
            ReadOnlySpan<char> address = content[Ipv6Tag.Length..];

            // IPAddress accepts zone ids and brackets, which an address literal must not carry.
            return !address.IsEmpty
                && !address.ContainsAnyExcept("0123456789abcdefABCDEF:.")
                && IPAddress.TryParse(address, out IPAddress? parsed)
                && parsed.AddressFamily == AddressFamily.InterNetworkV6;
        }

        return IsDottedQuad(content);
    }

    /// <summary>IPv4-address-literal: four decimal numbers 0-255 (IPAddress would also accept "1.2" or "0x1").</summary>
    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int parts = 0;
        int i = 0;
        while (true)
        {
            int digits = 0;
            int value = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && digits < 4)
            {
                value = value * 10 + (text[i] - '0');
                digits++;
                i++;
            }

            if (digits is 0 or > 3 || value > 255)
            {
                return false;
            }

            parts++;
            if (i == text.Length)
            {
                return parts == 4;
            }

            if (text[i] != '.' || parts == 4)
            {
                return false;
            }

            i++;
        }
    }

    private static bool FitsSizeLimits(ReadOnlySpan<char> local, ReadOnlySpan<char> domain)
    {
        int localOctets = Encoding.UTF8.GetByteCount(local);
        int domainOctets = Encoding.UTF8.GetByteCount(domain);
        return localOctets <= SmtpLimits.LocalPartOctets
            && domainOctets <= SmtpLimits.DomainOctets
            && localOctets + 1 + domainOctets <= SmtpLimits.PathOctets - 2;
    }

    /// <summary>Accepts a non-ASCII character, moving past the low half of a surrogate pair; refuses lone surrogates.</summary>
    private static bool IsWellFormedNonAscii(ReadOnlySpan<char> text, ref int i)
    {
        char c = text[i];
        if (char.IsHighSurrogate(c))
        {
            if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
            {
                return false;
            }

            i++;
            return true;
        }

        return !char.IsLowSurrogate(c) && !char.IsControl(c);
    }

    /// <summary>atext of RFC 5322 section 3.2.3, ASCII part.</summary>
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || AtextSymbols.Contains(c);
}
