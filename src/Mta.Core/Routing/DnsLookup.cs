using System.Net;
using DnsClient;

namespace Mta.Core.Routing;

/// <summary>The DNS client every lookup of a node uses: MX and address records for delivery, PTR and address records for client names.</summary>
public static class DnsLookup
{
    /// <summary>A client that asks <paramref name="servers"/> in order, as the C library does.</summary>
    /// <param name="servers">The DNS servers to ask, in order; empty for the system's (<c>/etc/resolv.conf</c>).</param>
    /// <param name="timeout">How long to wait for one answer from one server; each query is sent twice per server before the next server is asked.</param>
    public static LookupClient Create(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        IReadOnlyList<IPEndPoint> nameServers = servers.Count > 0 ? servers : ResolvConf.ReadNameServers();
        var options = new LookupClientOptions([.. nameServers.Select(server => new NameServer(server))])
        {
            AutoResolveNameServers = false,
            Timeout = timeout,

            // Two tries per server, as the C library's default "attempts:2".
            Retries = 1,
            ThrowDnsErrors = false,
            ContinueOnDnsError = true,

            // An empty answer is an answer (no such record); asking the next server would not change it.
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            UseCache = true,
        };
        return new LookupClient(options);
    }
}
