using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Mta.Core.Configuration;

namespace Mta.Core.Routing;

/// <summary>Parses DNS resolver addresses written as <c>ip</c> or <c>ip:port</c>.</summary>
public static class NameServerAddress
{
    /// <summary>How a resolver address is described in error messages.</summary>
    public const string Form = "ip or ip:port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:5353, or 2001:db8::53 without a port) with a port from 1 to 65535";

    /// <summary>
    /// Parses a resolver address: an IPv4 address with an optional <c>:port</c>, an IPv6 address in
    /// brackets with an optional <c>:port</c>, or a bare IPv6 address. The port defaults to 53.
    /// </summary>
    /// <param name="text">The address as written.</param>
    /// <param name="server">The resolver's end point, when the text is valid.</param>
    public static bool TryParse(string text, [NotNullWhen(true)] out IPEndPoint? server)
    {
        ArgumentNullException.ThrowIfNull(text);
        server = null;
        ReadOnlySpan<char> value = text.AsSpan().Trim();
        ReadOnlySpan<char> host = value;
        ReadOnlySpan<char> portText = [];
        bool hasPort = false;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = value[1..close];
            ReadOnlySpan<char> rest = value[(close + 1)..];
            hasPort = !rest.IsEmpty;
            if (hasPort && rest[0] != ':')
            {
                return false;
            }

            portText = hasPort ? rest[1..] : [];
        }
        else if (value.Count(':') == 1)
        {
            // One colon separates an IPv4 address from its port; more make a bare IPv6 address.
            int colon = value.IndexOf(':');
            host = value[..colon];
            portText = value[(colon + 1)..];
            hasPort = true;
        }

        int port = ResolvConf.DnsPort;
        if (hasPort && !(int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= IPEndPoint.MaxPort))
        {
            return false;
        }

        if (!IpAddressText.TryParse(host, out IPAddress address))
        {
            return false;
        }

        server = new IPEndPoint(address, port);
        return true;
    }
}
