namespace Mta.Core.Routing;

/// <summary>
/// Where mail for a recipient goes next, as Postfix's trivial-rewrite would hand it to a delivery
/// agent. Delivery actors, connection caches and TLS policy lookups are keyed by <see cref="Name"/>.
/// </summary>
/// <param name="Name">
/// The nexthop as routed, in lower case: <c>[host]:port</c> or <c>[host]</c> (no MX lookup),
/// <c>host:port</c> or <c>domain</c> (MX lookup), exactly as Postfix writes it for TLS policy and
/// per-site lookups. For local delivery, the recipient domain.
/// </param>
/// <param name="Host">The name (or IP address literal, without brackets) to resolve or connect to.</param>
/// <param name="Port">The TCP port to connect to on every host found; 0 for local delivery.</param>
/// <param name="MxLookup">True when <paramref name="Host"/> is a domain whose MX records are looked up; false for a bracketed host, whose own addresses are used.</param>
/// <param name="Local">True when the recipient is delivered locally (transport <c>local:</c>) rather than over SMTP.</param>
public sealed record NextHop(string Name, string Host, int Port, bool MxLookup, bool Local)
{
    /// <summary>The default route: the recipient domain itself, with an MX lookup (RFC 5321 section 5.1).</summary>
    /// <param name="domain">The recipient domain, in lower case without a trailing dot.</param>
    /// <param name="port">The port to connect to on the mail exchangers.</param>
    public static NextHop ForDomain(string domain, int port)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return new NextHop(domain, domain, port, MxLookup: true, Local: false);
    }

    /// <summary>Local delivery for a recipient domain (transport <c>local:</c>).</summary>
    /// <param name="domain">The recipient domain, in lower case without a trailing dot.</param>
    public static NextHop LocalDelivery(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return new NextHop(domain, domain, 0, MxLookup: false, Local: true);
    }

    /// <inheritdoc />
    public override string ToString() => Local ? $"local:{Name}" : Name;
}
