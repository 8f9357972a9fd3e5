namespace Mta.Core.Configuration;

/// <summary>
/// Matches domains against a list with Postfix <c>relay_domains</c> semantics:
/// <c>example.com</c> matches only example.com itself, <c>.example.com</c> matches every
/// subdomain of example.com but not example.com. Case is ignored and so is a trailing dot.
/// </summary>
public sealed class DomainMatcher
{
    private readonly HashSet<string> _exact;
    private readonly HashSet<string> _parents;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _parentLookup;

    private DomainMatcher(HashSet<string> exact, HashSet<string> parents, IReadOnlyList<string> entries)
    {
        _exact = exact;
        _parents = parents;
        _exactLookup = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _parentLookup = parents.GetAlternateLookup<ReadOnlySpan<char>>();
        Entries = entries;
    }

    /// <summary>A matcher that matches nothing.</summary>
    public static DomainMatcher Empty { get; } = new(new(StringComparer.OrdinalIgnoreCase), new(StringComparer.OrdinalIgnoreCase), []);

    /// <summary>The entries in lower case without trailing dots, in the order given.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>Parses entries written as <c>example.com</c> or <c>.example.com</c>.</summary>
    /// <param name="entries">The entries as written.</param>
    /// <param name="key">The configuration key named in errors.</param>
    /// <exception cref="ConfigurationException">An entry is not a domain name.</exception>
    public static DomainMatcher Parse(IEnumerable<string> entries, string key)
    {
        var exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var parents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var normalised = new List<string>();
        foreach (string entry in entries)
        {
            string domain = DomainName.WithoutTrailingDot(entry.Trim()).ToString().ToLowerInvariant();
            bool isParent = domain.StartsWith('.');
            if (!DomainName.IsValid(isParent ? domain.AsSpan(1) : domain))
            {
                throw new ConfigurationException(key, $"Invalid domain '{entry}' in '{key}': expected {DomainName.Form}, or .example.com for its subdomains.");
            }

            (isParent ? parents : exact).Add(domain);
            normalised.Add(domain);
        }

        return new DomainMatcher(exact, parents, normalised);
    }

    /// <summary>True when <paramref name="domain"/> is listed itself or is a subdomain of a <c>.parent</c> entry.</summary>
    public bool Matches(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Matches(domain.AsSpan());
    }

    /// <summary>True when <paramref name="domain"/> is listed itself or is a subdomain of a <c>.parent</c> entry. Does not allocate.</summary>
    public bool Matches(ReadOnlySpan<char> domain)
    {
        domain = DomainName.WithoutTrailingDot(domain);
        if (domain.IsEmpty)
        {
            return false;
        }

        if (_exact.Count > 0 && _exactLookup.Contains(domain))
        {
            return true;
        }

        if (_parents.Count == 0)
        {
            return false;
        }

        // Each suffix that starts at a dot (".b.example.com", ".example.com", ".com") is a parent candidate.
        for (int dot = domain.IndexOf('.'); dot >= 0; dot = NextDot(domain, dot))
        {
            if (dot > 0 && _parentLookup.Contains(domain[dot..]))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Entries);

    private static int NextDot(ReadOnlySpan<char> domain, int dot)
    {
        int next = domain[(dot + 1)..].IndexOf('.');
        return next < 0 ? -1 : dot + 1 + next;
    }
}
