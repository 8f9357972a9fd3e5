namespace Mta.Core.Configuration;

/// <summary>
/// A step of <c>mta.smtpd.recipient-restrictions</c> (Postfix <c>smtpd_recipient_restrictions</c>),
/// evaluated in order at RCPT; the first step that decides wins.
/// </summary>
public enum Restriction
{
    /// <summary><c>permit_mynetworks</c>: permit when the client address is in mynetworks.</summary>
    PermitMynetworks,

    /// <summary><c>reject_unauth_destination</c>: reject (554 5.7.1 Relay access denied) when the recipient domain is neither local nor in relay-domains.</summary>
    RejectUnauthDestination,

    /// <summary><c>defer_unauth_destination</c>: as reject_unauth_destination, with a temporary (4xx) reply.</summary>
    DeferUnauthDestination,

    /// <summary><c>permit</c>: permit unconditionally.</summary>
    Permit,

    /// <summary><c>reject</c>: reject unconditionally.</summary>
    Reject,

    /// <summary><c>permit_tls_clientcerts</c>: permit a client whose certificate (public-key or certificate) fingerprint is in relay-clientcerts; the chain need not be trusted.</summary>
    PermitTlsClientcerts,

    /// <summary><c>permit_tls_all_clientcerts</c>: permit a client whose certificate verifies against tls.ca-file / tls.ca-path.</summary>
    PermitTlsAllClientcerts,
}

/// <summary>Postfix names of <see cref="Restriction"/> values and validation of a restriction list.</summary>
public static class RestrictionList
{
    private static readonly Dictionary<string, Restriction> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["permit_mynetworks"] = Restriction.PermitMynetworks,
        ["reject_unauth_destination"] = Restriction.RejectUnauthDestination,
        ["defer_unauth_destination"] = Restriction.DeferUnauthDestination,
        ["permit"] = Restriction.Permit,
        ["reject"] = Restriction.Reject,
        ["permit_tls_clientcerts"] = Restriction.PermitTlsClientcerts,
        ["permit_tls_all_clientcerts"] = Restriction.PermitTlsAllClientcerts,
    };

    /// <summary>The Postfix name of a restriction, such as <c>permit_mynetworks</c>.</summary>
    public static string ToPostfixName(this Restriction restriction) =>
        ByName.First(pair => pair.Value == restriction).Key;

    /// <summary>
    /// Parses Postfix restriction names and refuses a list that would make an open relay: some
    /// <c>reject_unauth_destination</c>, <c>defer_unauth_destination</c> or <c>reject</c> must come
    /// before any <c>permit</c>, because falling off the end of the list permits (as in Postfix).
    /// </summary>
    /// <param name="names">The names as written, in order.</param>
    /// <param name="key">The configuration key named in errors.</param>
    /// <exception cref="ConfigurationException">An unknown name (with the closest known one), or an open-relay list.</exception>
    public static IReadOnlyList<Restriction> Parse(IReadOnlyList<string> names, string key)
    {
        var restrictions = new List<Restriction>(names.Count);
        foreach (string name in names)
        {
            if (!ByName.TryGetValue(name, out Restriction restriction))
            {
                string closest = EditDistance.Closest(name, ByName.Keys);
                throw new ConfigurationException(key, $"Unknown restriction '{name}' in '{key}'; did you mean '{closest}'? Known: {string.Join(", ", ByName.Keys)}.");
            }

            restrictions.Add(restriction);
        }

        foreach (Restriction restriction in restrictions)
        {
            if (restriction is Restriction.RejectUnauthDestination or Restriction.DeferUnauthDestination or Restriction.Reject)
            {
                return restrictions;
            }

            if (restriction == Restriction.Permit)
            {
                break;
            }
        }

        throw new ConfigurationException(key, $"'{key}' = [{string.Join(", ", names)}] would make an open relay: no reject_unauth_destination, defer_unauth_destination or reject comes before mail is permitted; add reject_unauth_destination.");
    }
}
