using System.Globalization;
using System.Net;

namespace Mta.Core.Configuration;

/// <summary>
/// Strict parsing of IP address literals. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// also accepts forms such as "10" or "10.1" (read as 0.0.0.10 and 10.0.0.1), which in a network
/// list would silently mean something the operator did not write.
/// </summary>
internal static class IpAddressText
{
    /// <summary>Parses a dotted quad (four decimal numbers 0-255) or an IPv6 literal without a zone index.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
        {
            // IPAddress.TryParse also takes "[::1]:25" and "::1%eth0"; neither is an address literal here.
            if (text.ContainsAny('%', '[', ']') || !IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = parsed;
            return true;
        }

        if (!TryParseDottedQuad(text, out uint value))
        {
            return false;
        }

        address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        return true;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            // A leading zero is refused: some tools read "010" as octal 8, others as decimal 10.
            if (++parts > 4 || part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !IsAllDigits(part)
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte octet))
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        return parts == 4;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
