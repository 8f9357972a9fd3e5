namespace Mta.Core.Configuration;

/// <summary>Syntax checks and normalisation for domain names written in settings.</summary>
internal static class DomainName
{
    /// <summary>How a domain is described in error messages.</summary>
    public const string Form = "a domain name such as example.com (labels of letters, digits and hyphens)";

    /// <summary>Drops one trailing dot: "example.com." and "example.com" are the same domain.</summary>
    public static ReadOnlySpan<char> WithoutTrailingDot(ReadOnlySpan<char> domain) =>
        domain.Length > 0 && domain[^1] == '.' ? domain[..^1] : domain;

    /// <summary>
    /// True for a plausible host or domain name: 1-253 characters, dot-separated labels of 1-63
    /// letters, digits, hyphens or underscores, not starting or ending with a hyphen. Characters
    /// above ASCII are allowed so that internationalised names can be written as they are.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> domain)
    {
        if (domain.Length is 0 or > 253)
        {
            return false;
        }

        foreach (Range range in domain.Split('.'))
        {
            ReadOnlySpan<char> label = domain[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c > '\u007f'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
