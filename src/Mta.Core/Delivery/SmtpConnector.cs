using System.Net;
using System.Net.Sockets;
using Mta.Core.Routing;

namespace Mta.Core.Delivery;

/// <summary>A greeted connection, or why none could be had.</summary>
/// <param name="Connection">The connection; null on failure.</param>
/// <param name="Permanent">The failure is final (DNS says the domain cannot receive mail).</param>
/// <param name="Dsn">RFC 3463 code of the failure.</param>
/// <param name="Reason">The failure as Postfix words it ("connect to host[ip]:25: Connection refused").</param>
public sealed record ConnectResult(SmtpClientConnection? Connection, bool Permanent, string Dsn, string Reason);

/// <summary>
/// Opens a connection to a nexthop as Postfix's smtp client does: resolve it (MX hosts in
/// preference order, or the host itself), then try each address of each host until one greets;
/// a host that refuses to talk or cannot be reached is skipped.
/// </summary>
public sealed class SmtpConnector(MxResolver resolver, ClientOptions options)
{
    /// <summary>Connects to the first host of <paramref name="hop"/> that answers.</summary>
    public async Task<ConnectResult> ConnectAsync(NextHop hop, CancellationToken ct)
    {
        var resolution = await resolver.ResolveAsync(hop, ct).ConfigureAwait(false);
        if (!resolution.Succeeded)
            return new ConnectResult(null, resolution.Permanent, resolution.Dsn ?? "4.4.3", resolution.Error ?? $"cannot resolve {hop.Name}");
        var reason = $"no address for {hop.Name}";
        foreach (var host in resolution.Hosts)
        {
            foreach (var address in host.Addresses)
            {
                var peer = $"{host.HostName}[{address}]:{hop.Port}";
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using (var timeout = new CancellationTokenSource(options.ConnectTimeout, options.Clock))
                    using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct))
                        await socket.ConnectAsync(new IPEndPoint(address, hop.Port), linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    socket.Dispose();
                    reason = $"connect to {peer}: {(e is SocketException s ? s.Message : "Connection timed out")}";
                    continue;
                }
                SmtpClientConnection connection;
                try
                {
                    connection = await SmtpClientConnection.OpenAsync(new NetworkStream(socket, ownsSocket: true), peer, options, ct).ConfigureAwait(false);
                }
                catch (SmtpClientException e)
                {
                    reason = e.Message;
                    continue;
                }
                if (connection.Refusal is { } refusal)
                {
                    reason = $"host {peer} refused to talk to me: {refusal}";
                    await connection.DisposeAsync().ConfigureAwait(false);
                    continue;
                }
                return new ConnectResult(connection, false, "2.0.0", "");
            }
        }
        return new ConnectResult(null, false, "4.4.1", reason);
    }
}
