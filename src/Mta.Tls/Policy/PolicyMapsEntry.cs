using System.Diagnostics.CodeAnalysis;

namespace Mta.Tls.Policy;

/// <summary>
/// One parsed policy-maps value, <c>level [name=value ...]</c>, before it is applied to a host.
/// </summary>
/// <param name="Level">The security level.</param>
/// <param name="Match">The match= values (strategy words kept), or null when the entry gives none.</param>
/// <param name="Protocols">The protocols= value, or null.</param>
/// <param name="Ciphers">The ciphers= value, or null.</param>
internal sealed record PolicyMapsEntry(TlsLevel Level, IReadOnlyList<string>? Match, string? Protocols, string? Ciphers)
{
    // Postfix attributes that this MTA does not implement. Ignoring one could weaken the policy
    // (exclude, tafile), so an entry that uses one is refused rather than half applied.
    private static readonly string[] UnsupportedPostfixAttributes =
    [
        "exclude", "servername", "tafile", "connection_reuse", "enable_rpk",
        "policy_type", "policy_ttl", "policy_domain", "policy_string", "mx_host_pattern", "policy_failure",
    ];

    /// <summary>Compares every member, the match list element by element.</summary>
    public bool Equals(PolicyMapsEntry? other) =>
        other is not null
        && Level == other.Level
        && (Match is null ? other.Match is null : other.Match is not null && Match.SequenceEqual(other.Match, StringComparer.Ordinal))
        && Protocols == other.Protocols
        && Ciphers == other.Ciphers;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Level, Match?.Count, Protocols, Ciphers);

    /// <summary>
    /// Parses a value. Attributes after <c>none</c> are ignored, as Postfix ignores them with TLS
    /// disabled; every other mistake makes the entry unusable, as in Postfix, because an attribute
    /// that is silently dropped could weaken the policy.
    /// </summary>
    /// <param name="value">The value as written.</param>
    /// <param name="haveGlobalFingerprints">True when the fingerprint level has fingerprints to fall back on without match=.</param>
    /// <param name="entry">The entry when the value is valid.</param>
    /// <param name="problem">What is wrong, when it is not.</param>
    public static bool TryParse(string value, bool haveGlobalFingerprints, [NotNullWhen(true)] out PolicyMapsEntry? entry, [NotNullWhen(false)] out string? problem)
    {
        entry = null;
        if (!TryTokenize(value, out List<string>? tokens, out problem))
        {
            return false;
        }

        if (tokens.Count == 0)
        {
            problem = "invalid empty policy";
            return false;
        }

        if (!TlsLevels.TryParse(tokens[0], out TlsLevel level, out problem))
        {
            return false;
        }

        if (level == TlsLevel.None)
        {
            entry = new PolicyMapsEntry(level, null, null, null);
            return true;
        }

        List<string>? match = null;
        string? protocols = null;
        string? ciphers = null;
        foreach (string token in tokens.Skip(1))
        {
            if (!TrySplitAttribute(token, out string? name, out string? attributeValue, out problem))
            {
                return false;
            }

            switch (name)
            {
                case "match":
                    if (!TryAddMatch(level, attributeValue, match ??= [], out problem))
                    {
                        return false;
                    }

                    break;
                case "protocols":
                    if (!TrySetOnce(name, attributeValue, ref protocols, out problem))
                    {
                        return false;
                    }

                    break;
                case "ciphers":
                    if (!TrySetOnce(name, attributeValue, ref ciphers, out problem))
                    {
                        return false;
                    }

                    break;
                default:
                    problem = UnsupportedPostfixAttributes.Contains(name)
                        ? $"attribute \"{name}\" is not supported"
                        : $"unknown attribute \"{name}\": expected match, protocols or ciphers";
                    return false;
            }
        }

        if (level == TlsLevel.Fingerprint && match is null && !haveGlobalFingerprints)
        {
            problem = "fingerprint security level without fingerprints to match: add match=FINGERPRINT|...";
            return false;
        }

        entry = new PolicyMapsEntry(level, match, protocols, ciphers);
        return true;
    }

    private static bool TryAddMatch(TlsLevel level, string value, List<string> match, [NotNullWhen(false)] out string? problem)
    {
        if (value.Length == 0)
        {
            problem = "attribute \"match\" has empty value";
            return false;
        }

        switch (level)
        {
            case TlsLevel.Fingerprint:
                // Fingerprints contain colons, so Postfix separates them with "|".
                foreach (string written in value.Split('|', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!MatchList.TryNormalizeFingerprint(written, out string? fingerprint, out problem))
                    {
                        return false;
                    }

                    match.Add(fingerprint);
                }

                break;
            case TlsLevel.Verify or TlsLevel.Secure:
                foreach (string written in value.Split(':', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!MatchList.TryNormalizeName(written, out string? name, out problem))
                    {
                        return false;
                    }

                    match.Add(name);
                }

                break;
            default:
                problem = $"attribute \"match\" invalid at security level \"{level.ToWord()}\"";
                return false;
        }

        if (match.Count == 0)
        {
            problem = "attribute \"match\" has empty value";
            return false;
        }

        problem = null;
        return true;
    }

    private static bool TrySetOnce(string name, string value, ref string? slot, [NotNullWhen(false)] out string? problem)
    {
        if (value.Length == 0)
        {
            problem = $"attribute \"{name}\" has empty value";
            return false;
        }

        if (slot is not null)
        {
            problem = $"attribute \"{name}\" is specified multiple times";
            return false;
        }

        slot = value;
        problem = null;
        return true;
    }

    private static bool TrySplitAttribute(string token, [NotNullWhen(true)] out string? name, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? problem)
    {
        int equals = token.IndexOf('=', StringComparison.Ordinal);
        name = equals > 0 ? token[..equals].Trim().ToLowerInvariant() : null;
        if (name is null || name.Length == 0)
        {
            name = null;
            value = null;
            problem = equals < 0
                ? $"malformed attribute/value pair \"{token}\": missing '=' after attribute name"
                : $"malformed attribute/value pair \"{token}\": missing attribute name";
            return false;
        }

        value = token[(equals + 1)..].Trim();
        problem = null;
        return true;
    }

    /// <summary>
    /// Splits at commas and white space, as Postfix does; <c>{ name = value }</c> keeps a value with
    /// spaces or commas together, its white space collapsed to single spaces.
    /// </summary>
    private static bool TryTokenize(string value, [NotNullWhen(true)] out List<string>? tokens, [NotNullWhen(false)] out string? problem)
    {
        tokens = [];
        int position = 0;
        while (position < value.Length)
        {
            char c = value[position];
            if (c == ',' || char.IsWhiteSpace(c))
            {
                position++;
                continue;
            }

            if (c == '{')
            {
                int close = value.IndexOf('}', position + 1);
                if (close < 0)
                {
                    tokens = null;
                    problem = $"missing '}}' in \"{value[position..]}\"";
                    return false;
                }

                string inner = value[(position + 1)..close];
                tokens.Add(string.Join(' ', inner.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
                position = close + 1;
                continue;
            }

            int end = position;
            while (end < value.Length && value[end] != ',' && !char.IsWhiteSpace(value[end]))
            {
                end++;
            }

            tokens.Add(value[position..end]);
            position = end;
        }

        problem = null;
        return true;
    }
}
