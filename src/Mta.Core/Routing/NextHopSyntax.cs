using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Mta.Core.Configuration;

namespace Mta.Core.Routing;

/// <summary>
/// Parses the nexthop forms of Postfix's relayhost and transport(5) values. The grammar is strict:
/// a value that would silently mean something else (an IP address without brackets is looked up
/// as an MX domain; a port without a transport is a transport name) is refused with the reason.
/// </summary>
public static class NextHopSyntax
{
    /// <summary>How a nexthop is described in error messages.</summary>
    public const string DestinationForm = "[host]:port, [host], host:port or host (brackets: connect to the host itself, no MX lookup)";

    /// <summary>How a transport table value is described in error messages.</summary>
    public const string TransportForm = "smtp:[host]:port, smtp:[host], smtp:host:port, smtp:host, smtp: (the recipient domain) or local:";

    /// <summary>
    /// Parses a nexthop: <c>[host]:port</c>, <c>[host]</c> (the host's own addresses), <c>host:port</c>
    /// or <c>host</c> (the host's MX records). Inside brackets the host may be an IPv4 or IPv6
    /// address literal. The host is lower-cased and loses a trailing dot; <see cref="NextHop.Name"/>
    /// is rebuilt from the parsed parts.
    /// </summary>
    /// <param name="text">The nexthop as written.</param>
    /// <param name="defaultPort">The port when none is written.</param>
    /// <param name="hop">The nexthop, when the text is valid.</param>
    /// <param name="problem">What is wrong, when it is not.</param>
    public static bool TryParseDestination(string text, int defaultPort, [NotNullWhen(true)] out NextHop? hop, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        hop = null;
        ReadOnlySpan<char> value = text.AsSpan().Trim();
        if (value.IsEmpty)
        {
            problem = "the nexthop is empty";
            return false;
        }

        return value[0] == '['
            ? TryParseBracketed(value, defaultPort, out hop, out problem)
            : TryParseMxDomain(value, defaultPort, out hop, out problem);
    }

    /// <summary>
    /// Parses a transport(5) value, <c>transport:nexthop</c>. The transports are <c>smtp</c> (also
    /// written <c>relay</c> or left empty, as Postfix's default) and <c>local</c>. An empty nexthop
    /// after <c>smtp:</c> means the recipient domain with an MX lookup, as in Postfix.
    /// </summary>
    /// <param name="text">The value as written.</param>
    /// <param name="defaultPort">The port when the nexthop names none.</param>
    /// <param name="route">The route, when the value is valid.</param>
    /// <param name="problem">What is wrong, when it is not.</param>
    public static bool TryParseTransport(string text, int defaultPort, [NotNullWhen(true)] out TransportRoute? route, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        route = null;
        string value = text.Trim();
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string transport = (colon < 0 ? value : value[..colon]).ToLowerInvariant();
        string nexthop = colon < 0 ? string.Empty : value[(colon + 1)..].Trim();
        switch (transport)
        {
            case "" or "smtp" or "relay":
                if (nexthop.Length == 0)
                {
                    route = TransportRoute.RecipientDomain;
                    problem = null;
                    return true;
                }

                if (!TryParseDestination(nexthop, defaultPort, out NextHop? hop, out problem))
                {
                    return false;
                }

                route = new TransportRoute(Local: false, hop);
                return true;

            case "local":
                if (nexthop.Length != 0)
                {
                    problem = $"the local transport takes no nexthop ('{nexthop}'); write local:";
                    return false;
                }

                route = TransportRoute.LocalDelivery;
                problem = null;
                return true;

            default:
                problem = transport.StartsWith('[')
                    ? $"'{value}' has no transport; write smtp:{value}"
                    : $"transport '{transport}' is not supported; expected {TransportForm}";
                return false;
        }
    }

    private static bool TryParseBracketed(ReadOnlySpan<char> value, int defaultPort, out NextHop? hop, out string? problem)
    {
        hop = null;
        int close = value.IndexOf(']');
        if (close < 0)
        {
            problem = $"'{value}' has no closing ']'";
            return false;
        }

        ReadOnlySpan<char> inner = value[1..close];
        ReadOnlySpan<char> rest = value[(close + 1)..];
        string host;
        if (IpAddressText.TryParse(inner, out IPAddress address))
        {
            host = address.ToString();
        }
        else if (inner.Contains(':'))
        {
            problem = $"'{inner}' is not an IPv6 address";
            return false;
        }
        else if (!TryNormaliseHostName(inner, out host))
        {
            problem = $"'{inner}' is not a host name or IP address";
            return false;
        }

        int port = defaultPort;
        string name = $"[{host}]";
        if (!rest.IsEmpty)
        {
            if (rest[0] != ':' || !TryParsePort(rest[1..], out port))
            {
                problem = $"'{rest}' after ']' is not ':' and a port from 1 to 65535";
                return false;
            }

            name += ":" + port.ToString(CultureInfo.InvariantCulture);
        }

        hop = new NextHop(name, host, port, MxLookup: false, Local: false);
        problem = null;
        return true;
    }

    private static bool TryParseMxDomain(ReadOnlySpan<char> value, int defaultPort, out NextHop? hop, out string? problem)
    {
        hop = null;
        int colon = value.IndexOf(':');
        if (colon >= 0 && value[(colon + 1)..].Contains(':'))
        {
            problem = $"'{value}': an IPv6 address must be written in brackets, as [2001:db8::1]:25";
            return false;
        }

        ReadOnlySpan<char> hostText = colon < 0 ? value : value[..colon];
        int port = defaultPort;
        if (colon >= 0 && !TryParsePort(value[(colon + 1)..], out port))
        {
            problem = $"'{value[(colon + 1)..]}' is not a port from 1 to 65535";
            return false;
        }

        if (IpAddressText.TryParse(hostText, out _))
        {
            // Without brackets Postfix would look up MX records of the name "192.0.2.1".
            problem = $"'{hostText}' is an IP address; write it in brackets, as [{hostText}], to connect to it";
            return false;
        }

        if (!TryNormaliseHostName(hostText, out string host))
        {
            problem = $"'{hostText}' is not a host or domain name";
            return false;
        }

        string name = colon < 0 ? host : host + ":" + port.ToString(CultureInfo.InvariantCulture);
        hop = new NextHop(name, host, port, MxLookup: true, Local: false);
        problem = null;
        return true;
    }

    private static bool TryNormaliseHostName(ReadOnlySpan<char> text, out string host)
    {
        host = DomainName.WithoutTrailingDot(text).ToString().ToLowerInvariant();
        return DomainName.IsValid(host);
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= IPEndPoint.MaxPort;
}

/// <summary>
/// The right-hand side of a transport table entry: local delivery, a fixed nexthop, or the
/// recipient domain itself (<c>smtp:</c> with an empty nexthop).
/// </summary>
/// <param name="Local">True for <c>local:</c>.</param>
/// <param name="Destination">The fixed nexthop; null for local delivery and for the recipient domain.</param>
public sealed record TransportRoute(bool Local, NextHop? Destination)
{
    /// <summary><c>smtp:</c>: the recipient domain with an MX lookup.</summary>
    public static TransportRoute RecipientDomain { get; } = new(Local: false, Destination: null);

    /// <summary><c>local:</c>: local delivery.</summary>
    public static TransportRoute LocalDelivery { get; } = new(Local: true, Destination: null);

    /// <summary>The nexthop for one recipient domain.</summary>
    /// <param name="recipientDomain">The recipient domain, in lower case without a trailing dot.</param>
    /// <param name="defaultPort">The port for the recipient domain's mail exchangers.</param>
    public NextHop For(string recipientDomain, int defaultPort) =>
        Local ? NextHop.LocalDelivery(recipientDomain)
        : Destination ?? NextHop.ForDomain(recipientDomain, defaultPort);
}
