namespace Mta.Tls.Policy;

/// <summary>
/// The nexthop part of a TLS policy, resolved once per nexthop by
/// <see cref="TlsPolicyResolver.ResolveNexthop"/>; <see cref="TlsPolicyResolver.ResolveHost"/> adds
/// the part that depends on the MX host connected to.
/// </summary>
public sealed class SitePolicy
{
    internal SitePolicy(string nexthop, TlsLevel globalLevel, SitePolicyMode mode)
    {
        Nexthop = nexthop;
        NexthopDomain = NexthopName.Domain(nexthop);
        GlobalLevel = globalLevel;
        Mode = mode;
    }

    /// <summary>The nexthop as routed: <c>[host]:port</c>, <c>[host]</c>, <c>host:port</c> or <c>domain</c>.</summary>
    public string Nexthop { get; }

    /// <summary>
    /// The malformed table entry for this nexthop, or null. Every host of the nexthop then gets an
    /// invalid policy, and <see cref="TlsDecision.ForNexthop"/> defers the mail at once.
    /// </summary>
    public TlsPolicyError? Error { get; private init; }

    /// <summary>Where the nexthop part came from, for logs: <c>global</c>, <c>per-site nexthop x</c>, <c>policy-maps .example.com</c>.</summary>
    public string Source { get; private init; } = TlsPolicyResolver.GlobalSource;

    /// <summary>The domain inside the nexthop (no brackets, no port), the name secure matches by default.</summary>
    internal string NexthopDomain { get; }

    internal TlsLevel GlobalLevel { get; }

    internal SitePolicyMode Mode { get; }

    /// <summary>The per-site table's level for the nexthop itself, when it has an entry.</summary>
    internal TlsLevel? PerSiteLevel { get; private init; }

    /// <summary>The policy-maps entry that matched the nexthop, when one did.</summary>
    internal PolicyMapsEntry? PolicyMapsEntry { get; private init; }

    internal static SitePolicy FromGlobal(string nexthop, TlsLevel globalLevel, SitePolicyMode mode) =>
        new(nexthop, globalLevel, mode);

    internal static SitePolicy FromPerSite(string nexthop, TlsLevel globalLevel, TlsLevel level, string source) =>
        new(nexthop, globalLevel, SitePolicyMode.PerSite) { PerSiteLevel = level, Source = source };

    internal static SitePolicy FromPolicyMaps(string nexthop, TlsLevel globalLevel, PolicyMapsEntry entry, string source) =>
        new(nexthop, globalLevel, SitePolicyMode.PolicyMaps) { PolicyMapsEntry = entry, Source = source };

    internal static SitePolicy Invalid(string nexthop, TlsLevel globalLevel, SitePolicyMode mode, TlsPolicyError error, string source) =>
        new(nexthop, globalLevel, mode) { Error = error, Source = source };

    /// <inheritdoc />
    public override string ToString() => Error is null ? $"{Nexthop} ({Source})" : $"{Nexthop} invalid ({Source}: {Error.Problem})";
}

/// <summary>Which table decides: none configured, the legacy per-site table, or policy-maps.</summary>
internal enum SitePolicyMode
{
    GlobalOnly,
    PerSite,
    PolicyMaps,
}
