namespace Mta.Core.Configuration;

/// <summary>
/// Known local recipients (Postfix <c>local_recipient_maps</c>). An address is known when the table
/// has <c>user@domain</c>, the bare local part <c>user</c>, or the catch-all <c>@domain</c>, looked
/// up in that order as Postfix does, ignoring case.
/// </summary>
/// <param name="source">The table, inline or a file that is re-read when it changes.</param>
public sealed class RecipientTable(TableSource source)
{
    /// <summary>The underlying table.</summary>
    public TableSource Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    /// <summary>True when the recipient <paramref name="localPart"/>@<paramref name="domain"/> is listed.</summary>
    /// <param name="localPart">The local part as received (without quotes for a plain dot-atom).</param>
    /// <param name="domain">A local domain; a trailing dot is ignored.</param>
    public bool Contains(string localPart, string domain)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        ArgumentNullException.ThrowIfNull(domain);
        string bareDomain = DomainName.WithoutTrailingDot(domain).ToString();
        IReadOnlyDictionary<string, string> entries = Source.Current;
        return entries.ContainsKey(localPart + "@" + bareDomain)
            || entries.ContainsKey(localPart)
            || entries.ContainsKey("@" + bareDomain);
    }
}
