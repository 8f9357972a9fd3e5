using Mta.Tls.Policy;

namespace Mta.Tls.Tests.Policy;

/// <summary>Builds tables and resolvers for the policy specs.</summary>
internal static class PolicyTables
{
    /// <summary>A sha256 fingerprint as openssl prints it, for the fingerprint level.</summary>
    public const string Sha256 = "3A:6B:1F:00:9C:D2:44:17:8E:5A:0B:C3:71:E9:2D:46:58:FA:13:B0:7C:9E:21:D4:06:AB:8F:35:C1:E7:52:9D";

    public static Dictionary<string, string> Of(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);

    public static TlsPolicyResolver PerSite(TlsLevel global, Dictionary<string, string> table) =>
        new(global, () => table, null, global == TlsLevel.Fingerprint ? [Sha256] : null);

    public static TlsPolicyResolver PolicyMaps(TlsLevel global, Dictionary<string, string> table) =>
        new(global, null, () => table, global == TlsLevel.Fingerprint ? [Sha256] : null);
}
