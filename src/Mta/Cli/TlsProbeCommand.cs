using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mta.Core.Delivery;
using Mta.Tls;
using Mta.Tls.Policy;

namespace Mta.Cli;

/// <summary>
/// <c>mta tls-probe HOST[:PORT]</c>: what a server offers (greeting, extensions, STARTTLS, protocol,
/// cipher, certificate chain with fingerprints) and whether delivery at each TLS level would go
/// ahead, as Postfix's posttls-finger tells it.
/// </summary>
internal static class TlsProbeCommand
{
    /// <summary>Exit code when the level given with --level would not deliver.</summary>
    public const int LevelFails = 1;

    /// <summary>Exit code when the server could not be reached or talked to, or a file could not be read.</summary>
    public const int CannotProbe = 2;

    private const int DefaultPort = 25;

    /// <summary>The <c>tls-probe</c> command.</summary>
    public static Command Build()
    {
        var target = new Argument<string>("host")
        {
            Description = "The server: HOST, HOST:PORT, [ADDRESS] or [ADDRESS]:PORT (port 25 when none is given); a name is looked up by the system resolver, no MX lookup",
        };
        var serverName = new Option<string?>("--servername")
        {
            Description = "The server's name: sent as TLS server name and matched by verify (default: HOST when it is a name); secure matches HOST's domain, or this name when HOST is an address",
        };
        var level = new Option<string?>("--level")
        {
            Description = $"Judge only this level ({TlsLevels.Expected}); the exit code is 1 when it would not deliver",
        };
        level.Validators.Add(optionResult =>
        {
            if (optionResult.GetValueOrDefault<string?>() is { } word && !TlsLevels.TryParse(word, out _, out var problem)) optionResult.AddError(problem);
        });
        var caFile = new Option<FileInfo?>("--ca-file") { Description = "CA certificates (PEM) the server certificate is verified against for verify and secure" };
        var helo = new Option<string?>("--helo") { Description = "The name to send with EHLO (default: this machine's host name)" };
        var fingerprints = new Option<string[]>("--fingerprint")
        {
            Description = "A server certificate or public-key sha256 fingerprint the fingerprint level accepts (repeat for more)",
        };
        var command = new Command("tls-probe", "Show a server's STARTTLS, protocol, cipher and certificate chain, and which TLS levels would deliver to it")
        {
            target, serverName, level, caFile, helo, fingerprints,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            TlsLevels.TryParse(result.GetValue(level), out var onlyLevel, out _);
            try
            {
                return await ProbeAsync(
                    result.GetValue(target)!, result.GetValue(serverName), result.GetValue(level) is null ? null : onlyLevel,
                    result.GetValue(caFile), result.GetValue(helo) ?? Dns.GetHostName(), result.GetValue(fingerprints) ?? [], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CertificateFileException or ArgumentException or SmtpClientException or SocketException or IOException or AuthenticationException)
            {
                Console.Error.WriteLine($"mta tls-probe: {e.Message}");
                return CannotProbe;
            }
        });
        return command;
    }

    private static async Task<int> ProbeAsync(
        string target, string? serverName, TlsLevel? onlyLevel, FileInfo? caFile, string helo, string[] fingerprints, CancellationToken ct)
    {
        var (host, port, isAddress) = ParseTarget(target);
        var hostName = serverName ?? host;
        var authorities = caFile is null ? [] : Pki.LoadCertificates(caFile.FullName);
        var tls = new ClientTls(new TlsPolicyResolver(TlsLevel.May, null, null), null, authorities, appendDefaultCa: false,
            FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System);
        var options = ClientOptions.Defaults(helo);
        var (stream, address) = await ConnectAsync(host, port, options.ConnectTimeout, ct).ConfigureAwait(false);
        var peer = $"{hostName}[{address}]";
        Console.WriteLine($"Connected to {peer}:{port}");
        await using var connection = await SmtpClientConnection.OpenAsync(stream, peer, options, ct).ConfigureAwait(false);
        if (connection.Refusal is { } refusal)
        {
            Console.Error.WriteLine($"mta tls-probe: host {peer} refused to talk: {refusal}");
            return CannotProbe;
        }

        var report = await TlsProbe.RunAsync(connection, tls, hostName, isAddress ? hostName : host, fingerprints, ct).ConfigureAwait(false);
        Print(report, helo, DateTimeOffset.UtcNow);
        var verdicts = report.Verdicts.Where(verdict => onlyLevel is null || verdict.Level == onlyLevel).ToList();
        Console.WriteLine();
        Console.WriteLine($"Levels (nexthop {(isAddress ? hostName : host)}, host {hostName}):");
        foreach (var verdict in verdicts)
            Console.WriteLine($"  {verdict.Level.ToWord(),-12} {(verdict.Pass ? "PASS" : "FAIL")}  {verdict.Text}");
        return onlyLevel is not null && !verdicts.Single().Pass ? LevelFails : 0;
    }

    private static void Print(TlsProbeReport report, string helo, DateTimeOffset now)
    {
        Console.WriteLine($"< {report.Greeting}");
        Console.WriteLine($"> EHLO {helo}");
        Console.WriteLine($"< {report.Capabilities.ServerName}: {string.Join(' ', report.Capabilities.Keywords.Order(StringComparer.Ordinal))}");
        if (report.StartTls is not { } started)
        {
            Console.WriteLine("STARTTLS is not offered");
            return;
        }

        Console.WriteLine("> STARTTLS");
        Console.WriteLine($"< {started.Reply}");
        if (started.DiscardedOctets > 0)
            Console.WriteLine($"! {started.DiscardedOctets} octets the server sent after its reply were discarded (response injection)");
        if (started.Outcome == StartTlsOutcome.HandshakeFailed)
            Console.WriteLine($"TLS handshake failed: {started.Failure}");
        if (report.Session is not { } session) return;

        Console.WriteLine($"TLS: {session.Protocol} with cipher {session.Cipher}");
        Console.WriteLine($"Server certificate chain ({session.PeerChain.Count} sent):");
        for (var depth = 0; depth < session.PeerChain.Count; depth++)
        {
            var certificate = session.PeerChain[depth];
            var state = now < certificate.NotBefore.ToUniversalTime() ? " (not yet valid)"
                : now > certificate.NotAfter.ToUniversalTime() ? " (expired)"
                : string.Empty;
            Console.WriteLine($"  {depth} subject:            {certificate.Subject}");
            Console.WriteLine($"    issuer:             {certificate.Issuer}");
            Console.WriteLine($"    subject alt names:  {string.Join(", ", DnsNames(certificate))}");
            Console.WriteLine($"    valid:              {Utc(certificate.NotBefore)} to {Utc(certificate.NotAfter)}{state}");
            Console.WriteLine($"    sha256 certificate: {Fingerprint.OfCertificate(certificate, FingerprintDigest.Sha256)}");
            Console.WriteLine($"    sha256 public key:  {Fingerprint.OfPublicKey(certificate, FingerprintDigest.Sha256)}");
        }

        if (report.Examination is { } examination)
            Console.WriteLine($"Chain: {examination.ChainProblem ?? "verified against --ca-file"}");
        if (report.CapabilitiesInTls is { } inTls)
        {
            Console.WriteLine($"> EHLO {helo}");
            Console.WriteLine($"< {inTls.ServerName}: {string.Join(' ', inTls.Keywords.Order(StringComparer.Ordinal))}");
        }
    }

    /// <summary>The subjectAltName DNS names, or "(none)".</summary>
    private static IEnumerable<string> DnsNames(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(extension => extension.EnumerateDnsNames()).ToList();
        return names.Count > 0 ? names : ["(none)"];
    }

    private static string Utc(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>HOST, HOST:PORT, [ADDRESS] or [ADDRESS]:PORT.</summary>
    private static (string Host, int Port, bool IsAddress) ParseTarget(string target)
    {
        var text = target.Trim();
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new ArgumentException($"'{target}' has no closing ']'");
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
                portText = rest.StartsWith(':') ? rest[1..] : throw new ArgumentException($"'{rest}' after ']' is not ':' and a port");
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
                throw new ArgumentException($"'{target}': write an IPv6 address in brackets, as [2001:db8::1]:25");
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        var port = DefaultPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > IPEndPoint.MaxPort))
            throw new ArgumentException($"'{portText}' is not a port from 1 to 65535");
        if (host.Length == 0) throw new ArgumentException("the host is empty");
        return (host.ToLowerInvariant(), port, IPAddress.TryParse(host, out _));
    }

    private static async Task<(NetworkStream Stream, IPAddress Address)> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(timeout);
                await socket.ConnectAsync(new IPEndPoint(address, port), deadline.Token).ConfigureAwait(false);
                return (new NetworkStream(socket, ownsSocket: true), address);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = new SocketException((int)SocketError.TimedOut);
            }
        }

        throw new IOException($"connect to {host}:{port}: {last?.Message ?? "no address"}");
    }
}
