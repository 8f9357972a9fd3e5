namespace Mta.Tls.Policy;

/// <summary>
/// Decides the outbound TLS policy for a nexthop and each of its hosts, from the global level and
/// the per-site or policy-maps table, as Postfix's smtp client does (smtp_tls_policy.c). Pure: the
/// tables are handed in by their owner, who re-reads them; the resolver always sees the current one.
/// Safe to share between threads.
/// </summary>
public sealed class TlsPolicyResolver
{
    /// <summary>The warning to log at start when both tables are set.</summary>
    public const string PerSiteIgnoredWarning = "mta.smtp.tls.per-site is ignored because mta.smtp.tls.policy-maps is set";

    /// <summary>The source of a policy that no table entry decided.</summary>
    public const string GlobalSource = "global";

    private readonly CurrentTable<TlsLevel?>? perSite;
    private readonly CurrentTable<PolicyMapsEntry>? policyMaps;
    private readonly IReadOnlyList<string> globalFingerprints;

    /// <summary>Creates a resolver.</summary>
    /// <param name="globalLevel">The level without a table entry (see <see cref="GlobalLevel"/>).</param>
    /// <param name="perSite">
    /// The current per-site table (nexthop or host name to NONE, MAY, MUST, MUST_NOPEERMATCH), or
    /// null when mta.smtp.tls.per-site is not set. Ignored when <paramref name="policyMaps"/> is set.
    /// </param>
    /// <param name="policyMaps">
    /// The current policy-maps table (nexthop to <c>level [name=value ...]</c>), or null when
    /// mta.smtp.tls.policy-maps is not set.
    /// </param>
    /// <param name="globalFingerprints">
    /// Fingerprints for the fingerprint level when a policy gives no match= (Postfix's
    /// smtp_tls_fingerprint_cert_match); required when <paramref name="globalLevel"/> is fingerprint.
    /// </param>
    /// <exception cref="ArgumentException">A global fingerprint that is not one, or the fingerprint level without any.</exception>
    public TlsPolicyResolver(
        TlsLevel globalLevel,
        Func<IReadOnlyDictionary<string, string>>? perSite,
        Func<IReadOnlyDictionary<string, string>>? policyMaps,
        IEnumerable<string>? globalFingerprints = null)
    {
        var fingerprints = new List<string>();
        foreach (string written in globalFingerprints ?? [])
        {
            if (!MatchList.TryNormalizeFingerprint(written.Trim(), out string? fingerprint, out string? problem))
            {
                throw new ArgumentException(problem, nameof(globalFingerprints));
            }

            fingerprints.Add(fingerprint);
        }

        if (globalLevel == TlsLevel.Fingerprint && fingerprints.Count == 0)
        {
            throw new ArgumentException("The fingerprint security level needs fingerprints to match.", nameof(globalFingerprints));
        }

        Global = globalLevel;
        this.globalFingerprints = fingerprints;
        bool haveGlobalFingerprints = fingerprints.Count > 0;
        this.policyMaps = policyMaps is null
            ? null
            : new CurrentTable<PolicyMapsEntry>(policyMaps, value =>
                PolicyMapsEntry.TryParse(value, haveGlobalFingerprints, out PolicyMapsEntry? entry, out string? problem) ? (entry, null) : (null, problem));
        this.perSite = perSite is null || policyMaps is not null
            ? null
            : new CurrentTable<TlsLevel?>(perSite, value =>
                PerSiteValue.TryParse(value, out TlsLevel level, out string? problem) ? (level, null) : (null, problem));
        StartupWarning = perSite is not null && policyMaps is not null ? PerSiteIgnoredWarning : null;
    }

    /// <summary>The level that applies without a table entry.</summary>
    public TlsLevel Global { get; }

    /// <summary><see cref="PerSiteIgnoredWarning"/> when both tables are set, otherwise null.</summary>
    public string? StartupWarning { get; }

    /// <summary>
    /// The global level, as Postfix derives it: an explicit security level wins; when it is empty,
    /// <c>enforce-tls ? (enforce-peername ? verify : encrypt) : (use-tls ? may : none)</c>.
    /// </summary>
    /// <param name="securityLevel">mta.smtp.tls.security-level; empty or white space when not set.</param>
    /// <param name="useTls">mta.smtp.tls.use-tls.</param>
    /// <param name="enforceTls">mta.smtp.tls.enforce-tls.</param>
    /// <param name="enforcePeername">mta.smtp.tls.enforce-peername.</param>
    /// <exception cref="ArgumentException">An explicit level that is not one, naming the key.</exception>
    public static TlsLevel GlobalLevel(string securityLevel, bool useTls, bool enforceTls, bool enforcePeername)
    {
        if (!string.IsNullOrWhiteSpace(securityLevel))
        {
            return TlsLevels.TryParse(securityLevel, out TlsLevel level, out string? problem)
                ? level
                : throw new ArgumentException($"mta.smtp.tls.security-level: {problem}", nameof(securityLevel));
        }

        if (enforceTls)
        {
            return enforcePeername ? TlsLevel.Verify : TlsLevel.Encrypt;
        }

        return useTls ? TlsLevel.May : TlsLevel.None;
    }

    /// <summary>
    /// The entries of the table in use (policy-maps when set, else per-site) that cannot be used,
    /// for the log at start and after a table changes.
    /// </summary>
    public IReadOnlyList<TlsPolicyError> Errors() =>
        policyMaps?.Now().Errors ?? perSite?.Now().Errors ?? [];

    /// <summary>
    /// The nexthop part of the policy: one lookup in policy-maps (a bare domain also matches its
    /// <c>.parent</c> entries, most specific first) or exactly one in per-site with the nexthop as
    /// routed (no parent domains, no wildcards).
    /// </summary>
    /// <param name="nexthop">The nexthop as routed: <c>[host]:port</c>, <c>[host]</c>, <c>host:port</c> or <c>domain</c>.</param>
    public SitePolicy ResolveNexthop(string nexthop)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nexthop);
        if (policyMaps is not null)
        {
            PolicyTable<PolicyMapsEntry> table = policyMaps.Now();
            foreach (string key in NexthopName.PolicyMapsKeys(nexthop))
            {
                if (table.Find(key) is { } found)
                {
                    string source = $"policy-maps {found.Key}";
                    return found.Error is not null
                        ? SitePolicy.Invalid(nexthop, Global, SitePolicyMode.PolicyMaps, found.Error, source)
                        : SitePolicy.FromPolicyMaps(nexthop, Global, found.Value!, source);
                }
            }

            return SitePolicy.FromGlobal(nexthop, Global, SitePolicyMode.PolicyMaps);
        }

        if (perSite is not null)
        {
            if (perSite.Now().Find(NexthopName.Fold(nexthop)) is { } found)
            {
                string source = $"per-site nexthop {found.Key}";
                return found.Error is not null
                    ? SitePolicy.Invalid(nexthop, Global, SitePolicyMode.PerSite, found.Error, source)
                    : SitePolicy.FromPerSite(nexthop, Global, found.Value!.Value, source);
            }

            return SitePolicy.FromGlobal(nexthop, Global, SitePolicyMode.PerSite);
        }

        return SitePolicy.FromGlobal(nexthop, Global, SitePolicyMode.GlobalOnly);
    }

    /// <summary>
    /// The policy for one MX host of the nexthop. With per-site, one more lookup with the host name
    /// when it differs from the nexthop; the two hits combine (a specific value overrides MAY,
    /// otherwise the stronger wins), then a site MAY yields to a stronger global level while any
    /// other site value overrides the global level. Strategy words in match lists become names:
    /// verify matches the host name by default, secure the nexthop domain and its subdomains.
    /// </summary>
    /// <param name="nexthopPart">The result of <see cref="ResolveNexthop"/> for the nexthop this host serves.</param>
    /// <param name="hostName">The host connected to, as found by MX or address lookup; case and a trailing dot do not matter.</param>
    public TlsPolicy ResolveHost(SitePolicy nexthopPart, string hostName)
    {
        ArgumentNullException.ThrowIfNull(nexthopPart);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        string host = NexthopName.HostForm(hostName);
        if (nexthopPart.Error is not null)
        {
            return TlsPolicy.Invalid(nexthopPart.Error, nexthopPart.Source);
        }

        if (nexthopPart.PolicyMapsEntry is { } entry)
        {
            return Build(entry.Level, entry.Match, entry.Protocols, entry.Ciphers, nexthopPart.Source, host, nexthopPart.NexthopDomain);
        }

        (TlsLevel Level, string Source)? site = nexthopPart.PerSiteLevel is { } nexthopLevel ? (nexthopLevel, nexthopPart.Source) : null;
        if (nexthopPart.Mode == SitePolicyMode.PerSite && perSite is not null
            && !string.Equals(host, NexthopName.Fold(nexthopPart.Nexthop), StringComparison.Ordinal)
            && perSite.Now().Find(host) is { } found)
        {
            string source = $"per-site host {found.Key}";
            if (found.Error is not null)
            {
                return TlsPolicy.Invalid(found.Error, source);
            }

            TlsLevel hostLevel = found.Value!.Value;
            if (site is null || PerSiteValue.Precedence(hostLevel) > PerSiteValue.Precedence(site.Value.Level))
            {
                site = (hostLevel, source);
            }
        }

        (TlsLevel level, string levelSource) = site switch
        {
            null => (nexthopPart.GlobalLevel, GlobalSource),
            { Level: TlsLevel.May } when nexthopPart.GlobalLevel > TlsLevel.May => (nexthopPart.GlobalLevel, GlobalSource),
            { } hit => hit,
        };
        return Build(level, null, null, null, levelSource, host, nexthopPart.NexthopDomain);
    }

    private TlsPolicy Build(TlsLevel level, IReadOnlyList<string>? match, string? protocols, string? ciphers, string source, string host, string nexthopDomain)
    {
        IReadOnlyList<string> names = level switch
        {
            TlsLevel.Fingerprint => match ?? globalFingerprints,
            TlsLevel.Verify => MatchList.Expand(match ?? MatchList.VerifyDefault, host, nexthopDomain),
            TlsLevel.Secure => MatchList.Expand(match ?? MatchList.SecureDefault, host, nexthopDomain),
            _ => [],
        };
        return new TlsPolicy(level, names, protocols, ciphers, source);
    }
}
