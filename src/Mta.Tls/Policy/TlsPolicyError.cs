namespace Mta.Tls.Policy;

/// <summary>
/// A table entry that cannot be used, for the log. Mail whose nexthop (or, for per-site, host)
/// hits such an entry is deferred, as Postfix defers it after a "TLS policy lookup error": a
/// broken entry never turns into plaintext.
/// </summary>
/// <param name="Key">The entry's key as written in the table.</param>
/// <param name="Value">The entry's value as written in the table.</param>
/// <param name="Problem">What is wrong with it, in words an operator can act on.</param>
public sealed record TlsPolicyError(string Key, string Value, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key} \"{Value}\": {Problem}";
}
