using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Sink;

/// <summary>Listens, accepts connections with TCP_NODELAY and runs a <see cref="SinkSession"/> for each.</summary>
internal sealed class SinkServer : IDisposable
{
    private readonly Socket listener;
    private readonly SinkDialog dialog;
    private readonly OutcomePolicy policy;
    private readonly SinkCounters counters;
    private readonly TimeSpan latency;
    private readonly SslServerAuthenticationOptions? tls;
    private readonly int seed;
    private readonly X509Certificate2? certificate;

    private SinkServer(Socket listener, SinkOptions options, SinkCounters counters, X509Certificate2? certificate)
    {
        this.listener = listener;
        this.counters = counters;
        this.certificate = certificate;
        dialog = new SinkDialog(options.HostName, offerStartTls: certificate is not null);
        policy = new OutcomePolicy(options.DeferRate, options.RejectRate);
        latency = options.Latency;
        seed = options.Seed ?? Random.Shared.Next();
        tls = certificate is null
            ? null
            : new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
                ClientCertificateRequired = false,
            };
    }

    /// <summary>The port actually bound (useful with port 0).</summary>
    public int Port => ((IPEndPoint)listener.LocalEndPoint!).Port;

    /// <summary>Binds and listens; loads the certificate first so that a bad file fails before any client connects.</summary>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    /// <exception cref="CryptographicException">The certificate or key cannot be loaded.</exception>
    public static SinkServer Start(SinkOptions options, SinkCounters counters)
    {
        var certificate = options.TlsCertFile is { } certFile && options.TlsKeyFile is { } keyFile
            ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
            : null;
        var listener = new Socket(options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(options.Address, options.Port));
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            certificate?.Dispose();
            throw;
        }

        return new SinkServer(listener, options, counters, certificate);
    }

    /// <summary>Accepts connections until <paramref name="stop"/>, then waits for the sessions to end.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var sessions = new List<Task>();
        var sessionNumber = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(stop).ConfigureAwait(false);
                socket.NoDelay = true;

                // Each session draws from its own generator so that a seed reproduces the same choices per session.
                var session = new SinkSession(socket, dialog, policy, counters, latency, tls, new Random(seed + sessionNumber++));
                sessions.Add(Task.Run(() => session.RunAsync(stop), CancellationToken.None));
                if (sessions.Count >= 1024)
                {
                    sessions.RemoveAll(task => task.IsCompleted);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: no new connections.
        }

        await Task.WhenAll(sessions).ConfigureAwait(false);
    }

    public void Dispose()
    {
        listener.Dispose();
        certificate?.Dispose();
    }
}
