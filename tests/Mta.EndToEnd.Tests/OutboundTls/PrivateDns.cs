using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// A private dnsmasq on 127.0.0.1 and a free port, answering only from the records it is started
/// with (unknown names under <c>.test</c> get NXDOMAIN), for the sender's <c>mta.dns.servers</c>.
/// Stopped by its own process on dispose.
/// </summary>
internal sealed class PrivateDns : IDisposable
{
    private const string Binary = "/usr/sbin/dnsmasq";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string _folder;

    private PrivateDns(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>The UDP and TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The value for <c>mta.dns.servers</c>.</summary>
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>Starts dnsmasq with <paramref name="records"/> (options such as <c>--mx-host=...</c>) and waits until it answers.</summary>
    public static PrivateDns Start(IEnumerable<string> records)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: the outbound TLS tests need dnsmasq (test.sh installs it).");
        var folder = Directory.CreateTempSubdirectory("mta-dns-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])
                 [
                     "--keep-in-foreground", "--log-facility=-", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                     "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port.ToString(CultureInfo.InvariantCulture),
                     "--pid-file=" + Path.Combine(folder, "dnsmasq.pid"), "--local=/test/", .. records,
                 ])
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start.");
        var dns = new PrivateDns(process, folder, port);
        try
        {
            dns.WaitUntilStarted();
        }
        catch
        {
            dns.Dispose();
            throw;
        }
        return dns;
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
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void WaitUntilStarted()
    {
        // dnsmasq logs "started" once its sockets are bound; what it says before exiting is the reason.
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
            if (line is null) throw new InvalidOperationException($"dnsmasq exited at start: {string.Join(" | ", said)}");
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
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
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
