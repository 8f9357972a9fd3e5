namespace Mta.Tls.Policy;

/// <summary>How a nexthop as routed (<c>[host]:port</c>, <c>[host]</c>, <c>host:port</c>, <c>domain</c>) is looked up and matched.</summary>
internal static class NexthopName
{
    /// <summary>The form table keys and lookups compare in: lower case, as Postfix folds lookup keys.</summary>
    public static string Fold(string name) => name.Trim().ToLowerInvariant();

    /// <summary>A host name as DNS may hand it over, in lower case without the root's trailing dot.</summary>
    public static string HostForm(string hostName)
    {
        string folded = Fold(hostName);
        return folded.Length > 1 && folded[^1] == '.' ? folded[..^1] : folded;
    }

    /// <summary>
    /// The domain inside a nexthop, which the secure level's nexthop and dot-nexthop names refer
    /// to: the host between the brackets, or the name before the port.
    /// </summary>
    public static string Domain(string nexthop)
    {
        string folded = Fold(nexthop);
        if (folded.StartsWith('['))
        {
            int close = folded.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? folded[1..close] : folded[1..];
        }

        int colon = folded.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? folded[..colon] : folded;
    }

    /// <summary>
    /// The keys policy-maps is searched with, most specific first: the nexthop itself, and for a
    /// bare domain (no brackets, no port) its parent domains written with a leading dot
    /// (<c>a.b.example</c>, then <c>.b.example</c>, then <c>.example</c>). Explicit nexthops
    /// (<c>[host]</c>, <c>:port</c>) are looked up once, as in Postfix: they name one server, not a
    /// recipient domain.
    /// </summary>
    public static IEnumerable<string> PolicyMapsKeys(string nexthop)
    {
        string folded = Fold(nexthop);
        yield return folded;
        if (!IsBareDomain(folded))
        {
            yield break;
        }

        for (int dot = folded.IndexOf('.', 1); dot >= 0; dot = folded.IndexOf('.', dot + 1))
        {
            if (dot < folded.Length - 1)
            {
                yield return folded[dot..];
            }
        }
    }

    private static bool IsBareDomain(string folded) =>
        folded.Length > 0
        && !folded.Contains('[', StringComparison.Ordinal)
        && !folded.Contains(':', StringComparison.Ordinal)
        && !IsDottedNumbers(folded);

    // An unbracketed IPv4 address has no parent domains to search.
    private static bool IsDottedNumbers(string folded) => folded.All(c => char.IsAsciiDigit(c) || c == '.');
}
