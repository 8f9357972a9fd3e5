using System.Net;

namespace Mta.Core.Routing;

/// <summary>A mail server to try for a nexthop, with the addresses DNS gave for it.</summary>
/// <param name="HostName">The host name (the MX exchange, or the nexthop host), lower case without a trailing dot; an address literal for <c>[192.0.2.1]</c>.</param>
/// <param name="Preference">The MX preference; 0 for a host used without an MX lookup or as the implicit MX.</param>
/// <param name="Addresses">The host's IPv4 addresses, then its IPv6 addresses, each in the order DNS gave them; never empty.</param>
public sealed record MxHost(string HostName, int Preference, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// The servers to try for a nexthop, best first, or why there are none. Delivery tries
/// <see cref="Hosts"/> in order; on failure it defers (<see cref="Permanent"/> false) or bounces.
/// </summary>
/// <param name="Hosts">The servers in order of preference, equal preferences shuffled; empty on failure.</param>
/// <param name="Error">Why there are no servers, in Postfix's words; null on success.</param>
/// <param name="Dsn">The RFC 3463 status for the failure (<c>5.4.4</c>, <c>4.4.3</c>, ...); null on success.</param>
/// <param name="Permanent">True when the failure is permanent (the recipients bounce); false on success and for temporary failures.</param>
public sealed record HostResolution(IReadOnlyList<MxHost> Hosts, string? Error, string? Dsn, bool Permanent)
{
    /// <summary>True when there is at least one server to try.</summary>
    public bool Succeeded => Error is null;

    /// <summary>A resolution with servers to try.</summary>
    /// <param name="hosts">The servers, best first; at least one.</param>
    public static HostResolution Success(IReadOnlyList<MxHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("A successful resolution needs at least one host.", nameof(hosts));
        }

        return new HostResolution(hosts, null, null, Permanent: false);
    }

    /// <summary>A failed resolution; a status of class 5 is permanent, any other temporary.</summary>
    /// <param name="dsn">The RFC 3463 status, such as <c>5.4.4</c>.</param>
    /// <param name="error">Why, in Postfix's words.</param>
    public static HostResolution Failure(string dsn, string error)
    {
        ArgumentException.ThrowIfNullOrEmpty(dsn);
        ArgumentException.ThrowIfNullOrEmpty(error);
        return new HostResolution([], error, dsn, Permanent: dsn[0] == '5');
    }
}
