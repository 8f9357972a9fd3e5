using System.Globalization;
using System.Net;

namespace Mta.Core.Configuration;

/// <summary>Parses listen addresses written as <c>host:port</c>, <c>[IPv6]:port</c> or <c>*:port</c>.</summary>
public static class ListenAddress
{
    /// <summary>How a listen address is described in error messages.</summary>
    internal const string Form = "host:port with an IP address (127.0.0.1:2525), [IPv6]:port ([::1]:2525), localhost:port or *:port, and a port from 0 to 65535";

    /// <summary>
    /// Parses one listen address. <c>*</c> is every IPv4 address (0.0.0.0); <c>[::]</c> is every IPv6
    /// address; <c>localhost</c> is 127.0.0.1. Port 0 lets the system choose a free port.
    /// </summary>
    /// <param name="text">The address as written.</param>
    /// <param name="key">The configuration key named in errors.</param>
    /// <exception cref="ConfigurationException">The text is not one of the accepted forms.</exception>
    public static IPEndPoint Parse(string text, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text.Trim(), out IPEndPoint? endPoint)
            ? endPoint
            : throw ConfigurationException.InvalidValue(key, text, Form);
    }

    private static bool TryParse(ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        ReadOnlySpan<char> host = text[..colon];
        ReadOnlySpan<char> portText = text[(colon + 1)..];
        if (portText.Length is 0 or > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
        {
            return false;
        }

        IPAddress? address;
        if (host.Length >= 2 && host[0] == '[' && host[^1] == ']')
        {
            if (!IpAddressText.TryParse(host[1..^1], out address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else if (host is "*")
        {
            address = IPAddress.Any;
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (host.Contains(':') || !IpAddressText.TryParse(host, out address))
        {
            // An IPv6 address without brackets cannot be told apart from its port.
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
