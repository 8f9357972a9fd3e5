using System.Security.Authentication;

namespace Mta.Core.Delivery;

/// <summary>
/// Postfix's protocols= attribute of a TLS policy applied to the configured versions. Only TLSv1.2
/// and TLSv1.3 are ever offered; the attribute can narrow them, never widen them.
/// </summary>
internal static class TlsProtocols
{
    private static readonly char[] Separators = [' ', ',', ':', '\t'];

    private static readonly (SslProtocols Version, string Name)[] Offered = [(SslProtocols.Tls12, "TLSv1.2"), (SslProtocols.Tls13, "TLSv1.3")];

    /// <summary>
    /// The configured versions less those the attribute excludes: <c>!TLSv1.2</c> removes one;
    /// <c>&gt;=TLSv1.3</c> and <c>&lt;=TLSv1.2</c> bound them; plain names keep only those named.
    /// Older versions (SSLv2 to TLSv1.1) are not offered anyway, so excluding them changes nothing.
    /// An unknown name leaves nothing, so that a mistyped policy fails rather than offers more.
    /// </summary>
    /// <param name="configured">mta.smtp.tls.protocols.</param>
    /// <param name="attribute">The policy's protocols= value, or null.</param>
    /// <returns>The versions to offer; <see cref="SslProtocols.None"/> when nothing is left.</returns>
    public static SslProtocols Narrow(SslProtocols configured, string? attribute)
    {
        if (string.IsNullOrWhiteSpace(attribute))
        {
            return configured;
        }

        SslProtocols allowed = configured;
        SslProtocols? named = null;
        foreach (string token in attribute.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            bool bound = token.StartsWith(">=", StringComparison.Ordinal) || token.StartsWith("<=", StringComparison.Ordinal);
            string name = bound ? token[2..] : token.StartsWith('!') ? token[1..] : token;
            if (Rank(name) is not { } rank)
            {
                return SslProtocols.None;
            }

            if (bound)
            {
                bool atLeast = token[0] == '>';
                foreach ((SslProtocols version, string versionName) in Offered)
                {
                    int versionRank = Rank(versionName)!.Value;
                    if (atLeast ? versionRank < rank : versionRank > rank)
                    {
                        allowed &= ~version;
                    }
                }
            }
            else if (token.StartsWith('!'))
            {
                allowed &= ~Version(name);
            }
            else
            {
                named = (named ?? SslProtocols.None) | Version(name);
            }
        }

        return named is { } only ? allowed & only : allowed;
    }

    /// <summary>The order of a Postfix protocol name, or null for a name that is not one.</summary>
    private static int? Rank(string name) => name.ToUpperInvariant() switch
    {
        "SSLV2" => 0,
        "SSLV3" => 1,
        "TLSV1" => 2,
        "TLSV1.1" => 3,
        "TLSV1.2" => 4,
        "TLSV1.3" => 5,
        _ => null,
    };

    /// <summary>The offered version a name stands for; none for the old versions that are never offered.</summary>
    private static SslProtocols Version(string name) => name.ToUpperInvariant() switch
    {
        "TLSV1.2" => SslProtocols.Tls12,
        "TLSV1.3" => SslProtocols.Tls13,
        _ => SslProtocols.None,
    };
}
