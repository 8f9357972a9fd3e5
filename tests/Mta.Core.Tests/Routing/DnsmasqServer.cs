using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mta.Core.Tests.Support;

namespace Mta.Core.Tests.Routing;

/// <summary>
/// A private dnsmasq on 127.0.0.1 and a free port, answering only from the records it is started
/// with: names under <c>.test</c> that it does not know get NXDOMAIN, other names REFUSED. Stopped
/// by its own process id on dispose.
/// </summary>
internal sealed class DnsmasqServer : IDisposable
{
    private const string Binary = "/usr/sbin/dnsmasq";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly TemporaryDirectory _folder;

    private DnsmasqServer(Process process, TemporaryDirectory folder, IPEndPoint endPoint)
    {
        _process = process;
        _folder = folder;
        EndPoint = endPoint;
    }

    /// <summary>Where the server answers (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts dnsmasq with <paramref name="records"/> (dnsmasq options such as <c>--mx-host=...</c>) and waits until it answers.</summary>
    public static DnsmasqServer Start(IEnumerable<string> records)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: the DNS tests need dnsmasq (apt-get install dnsmasq; test.sh installs it).");
        }

        var folder = new TemporaryDirectory();
        int port = FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])
        [
            "--keep-in-foreground",
            "--log-facility=-",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--port=" + port.ToString(CultureInfo.InvariantCulture),
            "--pid-file=" + Path.Combine(folder.Path, "dnsmasq.pid"),
            "--local=/test/",
            .. records,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start.");
        var server = new DnsmasqServer(process, folder, new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            server.WaitUntilStarted();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        finally
        {
            _process.Dispose();
            _folder.Dispose();
        }
    }

    private void WaitUntilStarted()
    {
        // dnsmasq logs "started" once its sockets are bound; anything it says before exiting is the reason.
        using var deadline = new CancellationTokenSource(StartTimeout);
        var said = new List<string>();
        while (true)
        {
            string? line;
            try
            {
                line = _process.StandardError.ReadLineAsync(deadline.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"dnsmasq did not start within {StartTimeout}: {string.Join(" | ", said)}");
            }

            if (line is null)
            {
                throw new InvalidOperationException($"dnsmasq exited at start: {string.Join(" | ", said)}");
            }

            said.Add(line);
            if (line.Contains("started, version", StringComparison.Ordinal))
            {
                // Keep draining its log so that a full pipe never blocks it.
                _ = _process.StandardError.ReadToEndAsync();
                return;
            }
        }
    }

    private static int FreePort()
    {
        // dnsmasq binds UDP and TCP on the port, so it must be free for both.
        for (int attempt = 0; ; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for UDP; try another.
            }
        }
    }
}
