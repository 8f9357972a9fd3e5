using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Protocol;

namespace Mta.Core.Ingress;

/// <summary>
/// Accepts SMTP connections on the configured addresses, enforces the connection limits (in
/// total, and per client address with mynetworks exempt, as Postfix's
/// smtpd_client_connection_count_limit) and starts a session for each connection. Stops
/// gracefully: no new connections, sessions waiting for a command get 421, messages being
/// received may finish until the deadline, then whatever is left is cut.
/// </summary>
public sealed class SmtpListener
{
    private readonly List<(Socket Socket, bool ImplicitTls)> _sockets = new();
    private readonly ConcurrentDictionary<SmtpConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly MtaSettings _settings;
    private readonly ConnectionOptions _options;
    private readonly IActorRef _sessions;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private int _total;

    private SmtpListener(MtaSettings settings, ConnectionOptions options, IActorRef sessions, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _options = options;
        _sessions = sessions;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SmtpListener>();
    }

    /// <summary>The addresses actually bound, plain listeners first, then TLS listeners (a configured port 0 becomes the port the system chose).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; private set; } = [];

    /// <summary>Binds every configured address and starts accepting.</summary>
    public static SmtpListener Start(MtaSettings settings, ConnectionOptions options, IActorRef sessions, ILoggerFactory loggerFactory)
    {
        var listener = new SmtpListener(settings, options, sessions, loggerFactory);
        var bound = new List<IPEndPoint>();
        try
        {
            foreach (var (endpoint, implicitTls) in settings.Smtpd.Listen.Select(e => (e, false)).Concat(settings.SmtpdTls.TlsListen.Select(e => (e, true))))
            {
                var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                    socket.DualMode = true;
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                try
                {
                    socket.Bind(endpoint);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    throw new InvalidOperationException($"cannot listen on {endpoint} ({(implicitTls ? "mta.smtpd.tls-listen" : "mta.smtpd.listen")}): {e.Message}", e);
                }
                socket.Listen(1024);
                listener._sockets.Add((socket, implicitTls));
                bound.Add((IPEndPoint)socket.LocalEndPoint!);
            }
        }
        catch
        {
            foreach (var (socket, _) in listener._sockets) socket.Dispose();
            throw;
        }
        listener.Endpoints = bound;
        foreach (var (socket, implicitTls) in listener._sockets)
            listener._acceptLoops.Add(Task.Run(() => listener.AcceptLoopAsync(socket, implicitTls)));
        foreach (var endpoint in bound)
            listener._logger.LogInformation("SMTP listening on {Endpoint}", endpoint);
        return listener;
    }

    /// <summary>Sessions open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _total);

    private async Task AcceptLoopAsync(Socket listenSocket, bool implicitTls)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listenSocket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors and the like: log, breathe, keep accepting.
                _logger.LogError(e, "accept failed on {Endpoint}", listenSocket.LocalEndPoint);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            socket.NoDelay = true;
            _ = AdmitAsync(socket, implicitTls);
        }
    }

    private async Task AdmitAsync(Socket socket, bool implicitTls)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var exempt = _settings.MyNetworks.Contains(address);
        var total = Interlocked.Increment(ref _total);
        var perClient = exempt ? 0 : _perClient.AddOrUpdate(address, 1, static (_, n) => n + 1);
        try
        {
            SmtpReply? refusal = null;
            if (_settings.Smtpd.ConnectionLimit > 0 && total > _settings.Smtpd.ConnectionLimit)
                refusal = Replies.TooManyConnections(_settings.MyHostname);
            else if (!exempt && _settings.Smtpd.ClientConnectionLimit > 0 && perClient > _settings.Smtpd.ClientConnectionLimit)
                refusal = Replies.TooManyConnections(_settings.MyHostname, address.ToString());
            if (refusal is not null)
            {
                _logger.LogWarning("Refused connection from {Client}: {Reason}", address, refusal.Lines[0]);
                MtaMetrics.ConnectionsRefused.Add(1);
                await RefuseAsync(socket, refusal).ConfigureAwait(false);
                return;
            }
            var connection = new SmtpConnection(socket, _options, _loggerFactory.CreateLogger<SmtpConnection>(), implicitTls);
            _connections[connection] = 0;
            if (_stopping.IsCancellationRequested) connection.RequestShutdown();
            _sessions.Tell(new SessionsActor.StartSession(connection));
            await connection.Completion.ConfigureAwait(false);
            _connections.TryRemove(connection, out _);
        }
        finally
        {
            Interlocked.Decrement(ref _total);
            if (!exempt) _perClient.AddOrUpdate(address, 0, static (_, n) => n - 1);
            if (!exempt && _perClient.TryGetValue(address, out var left) && left <= 0)
                _perClient.TryRemove(new KeyValuePair<IPAddress, int>(address, left));
        }
    }

    private static async Task RefuseAsync(Socket socket, SmtpReply reply)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.SendAsync(reply.Encoded, SocketFlags.None, cts.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>
    /// Stops accepting, tells every session to finish, waits up to <paramref name="deadline"/>
    /// for messages in progress, then cuts the rest.
    /// </summary>
    public async Task StopAsync(TimeSpan deadline)
    {
        _stopping.Cancel();
        foreach (var (socket, _) in _sockets) socket.Dispose();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        foreach (var connection in _connections.Keys) connection.RequestShutdown();
        var all = Task.WhenAll(_connections.Keys.Select(c => c.Completion));
        if (await Task.WhenAny(all, Task.Delay(deadline)).ConfigureAwait(false) != all)
        {
            _logger.LogWarning("Shutdown deadline reached with {Count} sessions still open; closing them", _connections.Count);
            foreach (var connection in _connections.Keys) connection.Abort();
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }
}
