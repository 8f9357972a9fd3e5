using System.Globalization;

namespace Mta.Tls;

/// <summary>
/// The comparable form of a DNS name for certificate name checks (RFC 6125): lowercase, without a
/// trailing dot, internationalised labels as A-labels (<c>xn--</c>). Names that cannot be host
/// names have no comparable form and so never match anything.
/// </summary>
internal static class DnsNameSyntax
{
    private const string WildcardPrefix = "*.";
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    // The mapping has no state once created; one instance serves every thread.
    private static readonly IdnMapping Idn = new();

    /// <summary>
    /// The comparable form of <paramref name="name"/>, or null when it is not a usable host name. With
    /// <paramref name="allowWildcard"/> a whole leftmost label <c>*</c> is kept when at least two labels
    /// follow it (<c>*.example.com</c>, never <c>*.com</c>); any other <c>*</c> makes the name unusable.
    /// </summary>
    public static string? ToComparable(string? name, bool allowWildcard)
    {
        if (string.IsNullOrEmpty(name)) return null;
        var text = name.EndsWith('.') ? name[..^1] : name;
        text = text.ToLowerInvariant();

        var wildcard = allowWildcard && text.StartsWith(WildcardPrefix, StringComparison.Ordinal);
        var hostPart = wildcard ? text[WildcardPrefix.Length..] : text;
        if (hostPart.Contains('*', StringComparison.Ordinal)) return null;

        var ascii = ToAscii(hostPart);
        if (ascii is null || !HasHostSyntax(ascii)) return null;
        if (wildcard && !ascii.Contains('.', StringComparison.Ordinal)) return null;
        return wildcard ? WildcardPrefix + ascii : ascii;
    }

    /// <summary>True when a comparable presented name covers a comparable reference name: equal, or a wildcard covering its leftmost label.</summary>
    public static bool Covers(string presented, string reference)
    {
        if (string.Equals(presented, reference, StringComparison.Ordinal)) return true;
        if (!presented.StartsWith(WildcardPrefix, StringComparison.Ordinal)) return false;
        var firstDot = reference.IndexOf('.', StringComparison.Ordinal);
        return firstDot > 0 && reference.AsSpan(firstDot + 1).SequenceEqual(presented.AsSpan(WildcardPrefix.Length));
    }

    private static string? ToAscii(string name)
    {
        foreach (var c in name)
        {
            if (!char.IsAscii(c))
            {
                try
                {
                    return Idn.GetAscii(name);
                }
                catch (ArgumentException)
                {
                    return null;
                }
            }
        }
        return name;
    }

    /// <summary>Labels of 1-63 letters, digits, hyphens or underscores, not starting or ending with a hyphen; 253 characters at most.</summary>
    private static bool HasHostSyntax(string name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (var range in name.AsSpan().Split('.'))
        {
            var label = name.AsSpan(range);
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_')) return false;
            }
        }
        return true;
    }
}
