using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Mta.Core.Configuration;

namespace Mta.Core.Routing;

/// <summary>
/// Finds the mail servers for a nexthop with DNS, with the outcomes and words of Postfix's
/// smtp_addr.c: MX hosts by preference (equal preferences shuffled, RFC 5321 section 5.1), the
/// domain's own addresses when it has no MX (the implicit MX), the host's own addresses for a
/// bracketed nexthop; null MX (RFC 7505), loops back to this server, and lookup failures as
/// permanent or temporary results. Safe for concurrent use.
/// </summary>
public sealed class MxResolver
{
    /// <summary>
    /// The port on which a nexthop is checked for mail looping back to this server. As in Postfix,
    /// a nexthop on another port (a content filter or another instance on this host) is not a loop.
    /// </summary>
    public const int LoopDetectionPort = 25;

    private const string HostNotFound = "Host not found";
    private const string NoDataOfType = "Host found but no data record of requested type";
    private const string TryAgain = "Host not found, try again";
    private const string MalformedName = "Malformed domain name";

    private readonly LookupClient _client;
    private readonly string _myHostname;
    private readonly HashSet<IPAddress> _myAddresses;
    private readonly Random _random;

    /// <summary>Creates a resolver.</summary>
    /// <param name="servers">The DNS servers to ask, in order; empty for the system's (<c>/etc/resolv.conf</c>).</param>
    /// <param name="timeout">How long to wait for one answer from one server; each query is sent twice per server before the next server is asked.</param>
    /// <param name="myHostname">This server's host name (<c>mta.myhostname</c>): an MX host of that name is this server.</param>
    /// <param name="myAddresses">This server's addresses: an MX host with one of them is this server.</param>
    public MxResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, string myHostname, IReadOnlyList<IPAddress> myAddresses)
        : this(servers, timeout, myHostname, myAddresses, Random.Shared)
    {
    }

    /// <summary>Creates a resolver whose shuffle of equal MX preferences follows <paramref name="random"/> (used from one thread at a time).</summary>
    internal MxResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, string myHostname, IReadOnlyList<IPAddress> myAddresses, Random random)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(myHostname);
        ArgumentNullException.ThrowIfNull(myAddresses);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _client = DnsLookup.Create(servers, timeout);
        _myHostname = Normalise(myHostname);
        _myAddresses = [.. myAddresses.Select(Canonical)];
        _random = random;
    }

    /// <summary>
    /// Resolves the mail servers of <paramref name="hop"/>. Never throws for DNS problems: every
    /// failure is a <see cref="HostResolution"/> with Postfix's status and text.
    /// </summary>
    /// <param name="hop">An SMTP nexthop (not <see cref="NextHop.Local"/>).</param>
    /// <param name="ct">Cancels the lookups.</param>
    /// <exception cref="ArgumentException"><paramref name="hop"/> is a local delivery nexthop.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<HostResolution> ResolveAsync(NextHop hop, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        if (hop.Local)
        {
            throw new ArgumentException("A local delivery nexthop has no mail servers to resolve.", nameof(hop));
        }

        bool detectLoops = hop.Port == LoopDetectionPort;
        string name = Normalise(hop.Host);
        if (!hop.MxLookup)
        {
            return await ResolveHostAsync(name, detectLoops, ct).ConfigureAwait(false);
        }

        Lookup<MxRecord> mx = await LookupAsync(name, QueryType.MX, records => records.OfType<MxRecord>(), ct).ConfigureAwait(false);
        switch (mx.Status)
        {
            case LookupStatus.Found:
                return await ResolveExchangersAsync(name, mx.Records, detectLoops, ct).ConfigureAwait(false);
            case LookupStatus.NoData:
                // No MX records: the domain itself is the only mail exchanger (RFC 5321 section 5.1).
                return await ResolveHostAsync(name, detectLoops, ct).ConfigureAwait(false);
            case LookupStatus.TryAgain:
                return HostResolution.Failure("4.4.3", mx.Error);
            default:
                return HostResolution.Failure("5.4.4", mx.Error);
        }
    }

    private async Task<HostResolution> ResolveExchangersAsync(string domain, IReadOnlyList<MxRecord> records, bool detectLoops, CancellationToken ct)
    {
        if (records.All(record => IsRoot(record.Exchange)))
        {
            // RFC 7505: "0 ." says the domain accepts no mail at all.
            return HostResolution.Failure("5.1.10", $"Domain {domain} does not accept mail (nullMX)");
        }

        // One entry per host at its best preference; hosts of equal preference in random order.
        (string Name, int Preference)[] exchangers =
        [
            .. records.Where(record => !IsRoot(record.Exchange))
                .GroupBy(record => Normalise(record.Exchange.Value), StringComparer.Ordinal)
                .Select(group => (group.Key, (int)group.Min(record => record.Preference))),
        ];
        _random.Shuffle(exchangers);
        exchangers = [.. exchangers.OrderBy(exchanger => exchanger.Preference)];

        AddressLookup[] lookups = await Task.WhenAll(exchangers.Select(exchanger => LookupAddressesAsync(exchanger.Name, ct))).ConfigureAwait(false);

        // RFC 5321 section 5.1: this server and every host not better than it are dropped.
        int? myPreference = null;
        for (int i = 0; detectLoops && i < exchangers.Length && myPreference is null; i++)
        {
            if (IsMe(exchangers[i].Name, lookups[i].Addresses))
            {
                myPreference = exchangers[i].Preference;
            }
        }

        var hosts = new List<MxHost>();
        for (int i = 0; i < exchangers.Length; i++)
        {
            if (lookups[i].Addresses.Count > 0 && (myPreference is null || exchangers[i].Preference < myPreference))
            {
                hosts.Add(new MxHost(exchangers[i].Name, exchangers[i].Preference, lookups[i].Addresses));
            }
        }

        if (hosts.Count > 0)
        {
            return HostResolution.Success(hosts);
        }

        if (myPreference is not null)
        {
            // As Postfix: better MX hosts exist but none has an address, so this is a backup MX
            // that cannot reach the primary (temporary), or this server is the best MX (a loop).
            return exchangers[0].Preference < myPreference
                ? HostResolution.Failure("4.4.4", $"unable to find primary relay for {domain}")
                : HostResolution.Failure("5.4.6", $"mail for {domain} loops back to myself");
        }

        return NoAddressFailure(lookups);
    }

    private async Task<HostResolution> ResolveHostAsync(string host, bool detectLoops, CancellationToken ct)
    {
        AddressLookup lookup = await LookupAddressesAsync(host, ct).ConfigureAwait(false);
        if (lookup.Addresses.Count == 0)
        {
            return NoAddressFailure([lookup]);
        }

        return detectLoops && IsMe(host, lookup.Addresses)
            ? HostResolution.Failure("5.4.6", $"mail for {host} loops back to myself")
            : HostResolution.Success([new MxHost(host, 0, lookup.Addresses)]);
    }

    /// <summary>
    /// The outcome when no host has an address, following Postfix's smtp_addr_one: a temporary
    /// failure makes every later "not found" temporary too (4.4.4), and the text is the last failure's.
    /// </summary>
    private static HostResolution NoAddressFailure(IReadOnlyList<AddressLookup> lookups)
    {
        string dsn = "5.4.4";
        string error = string.Empty;
        foreach (AddressLookup lookup in lookups)
        {
            dsn = lookup.Status == LookupStatus.TryAgain ? "4.4.3"
                : dsn[0] == '4' ? "4.4.4"
                : "5.4.4";
            error = lookup.Error;
        }

        return HostResolution.Failure(dsn, error);
    }

    private async Task<AddressLookup> LookupAddressesAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return new AddressLookup([literal], LookupStatus.Found, string.Empty);
        }

        Task<Lookup<IPAddress>> ipv4 = LookupAsync(host, QueryType.A, records => records.OfType<ARecord>().Select(record => record.Address), ct);
        Task<Lookup<IPAddress>> ipv6 = LookupAsync(host, QueryType.AAAA, records => records.OfType<AaaaRecord>().Select(record => record.Address), ct);
        Lookup<IPAddress>[] results = await Task.WhenAll(ipv4, ipv6).ConfigureAwait(false);
        IPAddress[] addresses = [.. results[0].Records, .. results[1].Records];
        if (addresses.Length > 0)
        {
            return new AddressLookup(addresses, LookupStatus.Found, string.Empty);
        }

        // As Postfix's dns_lookup_v: a temporary failure outranks "not found"; among equals the later (AAAA) is reported.
        Lookup<IPAddress> reported = results[0].Status == LookupStatus.TryAgain && results[1].Status != LookupStatus.TryAgain ? results[0] : results[1];
        return new AddressLookup([], reported.Status, reported.Error);
    }

    private async Task<Lookup<T>> LookupAsync<T>(string name, QueryType type, Func<IEnumerable<DnsResourceRecord>, IEnumerable<T>> select, CancellationToken ct)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, ct).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is DnsResponseException or SocketException)
        {
            // DnsClient reports a cancelled query as a failed one; the caller asked to stop, not for an answer.
            ct.ThrowIfCancellationRequested();

            // Timeouts, unreachable servers and unreadable answers: the C library's TRY_AGAIN.
            return Lookup<T>.Failed(LookupStatus.TryAgain, NameServiceError(name, type, TryAgain));
        }
        catch (ArgumentException)
        {
            // DnsClient refuses names that cannot be sent (a label over 63 bytes, an empty label).
            return Lookup<T>.Failed(LookupStatus.Invalid, NameServiceError(name, type, MalformedName));
        }

        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                T[] records = [.. select(response.Answers)];
                return records.Length > 0
                    ? new Lookup<T>(LookupStatus.Found, records, string.Empty)
                    : Lookup<T>.Failed(LookupStatus.NoData, NameServiceError(name, type, NoDataOfType));
            case DnsHeaderResponseCode.NotExistentDomain:
                return Lookup<T>.Failed(LookupStatus.NotFound, NameServiceError(name, type, HostNotFound));
            default:
                // SERVFAIL, REFUSED, FORMERR, NOTIMP: a resolver problem, not an answer about the
                // destination, so the mail waits (the C library reports most of these as TRY_AGAIN).
                return Lookup<T>.Failed(LookupStatus.TryAgain, NameServiceError(name, type, TryAgain));
        }
    }

    private static string NameServiceError(string name, QueryType type, string reason) =>
        $"Host or domain name not found. Name service error for name={name} type={type}: {reason}";

    private bool IsMe(string host, IReadOnlyList<IPAddress> addresses) =>
        string.Equals(host, _myHostname, StringComparison.Ordinal)
        || addresses.Any(address => _myAddresses.Contains(Canonical(address)));

    private static bool IsRoot(DnsString exchange) => exchange.Value is "." or "";

    private static string Normalise(string name) => DomainName.WithoutTrailingDot(name.Trim()).ToString().ToLowerInvariant();

    private static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private enum LookupStatus
    {
        Found,
        NoData,
        NotFound,
        TryAgain,
        Invalid,
    }

    private readonly record struct Lookup<T>(LookupStatus Status, IReadOnlyList<T> Records, string Error)
    {
        public static Lookup<T> Failed(LookupStatus status, string error) => new(status, [], error);
    }

    private readonly record struct AddressLookup(IReadOnlyList<IPAddress> Addresses, LookupStatus Status, string Error);
}
