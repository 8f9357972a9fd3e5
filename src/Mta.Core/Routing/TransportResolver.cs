using Mta.Core.Configuration;

namespace Mta.Core.Routing;

/// <summary>
/// Chooses the nexthop for a recipient domain in Postfix's order: the transport table
/// (<c>mta.transport-maps</c>), else the relay host (<c>mta.smtp.relayhost</c>), else the recipient
/// domain itself with an MX lookup on <c>mta.smtp.port</c>. No DNS and no I/O beyond the transport
/// table's change check; local domains (mydestination) are decided before this, by the router.
/// </summary>
/// <param name="transportMaps">The transport table.</param>
/// <param name="relayhost">The relay host for every domain the table does not route; null for none.</param>
/// <param name="defaultPort">The port for mail exchangers found by an MX lookup of the recipient domain.</param>
public sealed class TransportResolver(TransportMap transportMaps, NextHop? relayhost, int defaultPort)
{
    private readonly TransportMap _transportMaps = transportMaps ?? throw new ArgumentNullException(nameof(transportMaps));

    /// <summary>The relay host, or null when mail goes to each recipient domain's MX hosts.</summary>
    public NextHop? Relayhost { get; } = relayhost;

    /// <summary>Creates the resolver the settings describe.</summary>
    /// <param name="settings">The validated settings.</param>
    public static TransportResolver Create(MtaSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new TransportResolver(settings.TransportMaps, settings.Smtp.Relayhost, settings.Smtp.Port);
    }

    /// <summary>The nexthop for mail to <paramref name="recipientDomain"/>.</summary>
    /// <param name="recipientDomain">The domain of the recipient address; case and a trailing dot are ignored.</param>
    public NextHop Resolve(string recipientDomain)
    {
        ArgumentNullException.ThrowIfNull(recipientDomain);
        string domain = DomainName.WithoutTrailingDot(recipientDomain.Trim()).ToString().ToLowerInvariant();
        if (domain.Length == 0)
        {
            throw new ArgumentException("The recipient domain is empty.", nameof(recipientDomain));
        }

        TransportRoute? route = _transportMaps.Find(domain);
        return route is not null ? route.For(domain, defaultPort)
            : Relayhost ?? NextHop.ForDomain(domain, defaultPort);
    }
}
