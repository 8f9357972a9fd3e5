namespace Mta.Tls.Policy;

/// <summary>
/// The TLS policy for one connection to one host of a nexthop: how much TLS to insist on and what
/// the server certificate must match.
/// </summary>
/// <param name="Level">How much TLS to insist on.</param>
/// <param name="Match">
/// For <see cref="TlsLevel.Verify"/> and <see cref="TlsLevel.Secure"/>: the names the certificate
/// must match (one is enough); a name that starts with a dot matches any subdomain of what follows
/// it, but not that domain itself. For <see cref="TlsLevel.Fingerprint"/>: the accepted certificate
/// or public-key fingerprints as uppercase hex pairs joined by colons. Empty for the other levels.
/// </param>
/// <param name="Protocols">The protocols attribute of the policy entry, or null for the configured default.</param>
/// <param name="Ciphers">The ciphers attribute of the policy entry, or null for the configured default.</param>
/// <param name="Source">Where the policy came from, for logs: <c>global</c>, <c>per-site nexthop [x]:25</c>, <c>policy-maps .example.com</c>.</param>
public sealed record TlsPolicy(TlsLevel Level, IReadOnlyList<string> Match, string? Protocols, string? Ciphers, string Source)
{
    /// <summary>
    /// The malformed table entry this policy stands for, or null for a usable policy. A policy with
    /// an error carries <see cref="TlsLevel.Secure"/> and no match names, so that a caller that
    /// overlooks the error still cannot deliver; <see cref="TlsDecision"/> turns it into a skipped
    /// host.
    /// </summary>
    public TlsPolicyError? Error { get; init; }

    /// <summary>True when the policy can be used; false when <see cref="Error"/> is set.</summary>
    public bool IsValid => Error is null;

    /// <summary>A policy that refuses delivery because of a malformed table entry.</summary>
    /// <param name="error">The entry and what is wrong with it.</param>
    /// <param name="source">Where the entry was found, for logs.</param>
    public static TlsPolicy Invalid(TlsPolicyError error, string source)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new TlsPolicy(TlsLevel.Secure, [], null, null, source) { Error = error };
    }

    /// <summary>Compares every member, the match list element by element.</summary>
    public bool Equals(TlsPolicy? other) =>
        other is not null
        && Level == other.Level
        && Match.SequenceEqual(other.Match, StringComparer.Ordinal)
        && Protocols == other.Protocols
        && Ciphers == other.Ciphers
        && Source == other.Source
        && Equals(Error, other.Error);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Level);
        foreach (string name in Match)
        {
            hash.Add(name, StringComparer.Ordinal);
        }

        hash.Add(Protocols);
        hash.Add(Ciphers);
        hash.Add(Source);
        hash.Add(Error);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (Error is not null)
        {
            return $"invalid ({Source}: {Error.Problem})";
        }

        var text = new System.Text.StringBuilder(Level.ToWord());
        if (Match.Count > 0)
        {
            text.Append(" match=").Append(string.Join(Level == TlsLevel.Fingerprint ? "|" : ":", Match));
        }

        if (Protocols is not null)
        {
            text.Append(" protocols=").Append(Protocols);
        }

        if (Ciphers is not null)
        {
            text.Append(" ciphers=").Append(Ciphers);
        }

        return text.Append(" (").Append(Source).Append(')').ToString();
    }
}
