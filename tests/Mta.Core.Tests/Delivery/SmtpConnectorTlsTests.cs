using System.Buffers;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Routing;
using Mta.Core.Spool;
using Mta.Core.Tests.Configuration;
using Mta.Core.Tests.Routing;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Mta.Tls;
using Mta.Tls.Policy;
using Xunit;

namespace Mta.Core.Tests.Delivery;

/// <summary>The zone the connector tests resolve in: one private dnsmasq and the delivery certificates.</summary>
public sealed class ConnectorTlsZone : IDisposable
{
    private readonly DnsmasqServer _server = DnsmasqServer.Start(
    [
        "--mx-host=sink.test,mx.sink.test,10",
        "--host-record=mx.sink.test,127.0.0.1",

        // A domain whose MX host is in another domain: verify trusts the MX name, secure does not.
        "--mx-host=elsewhere.test,mx.sink.test,10",

        // Two MX hosts on two loopback addresses that share the port.
        "--mx-host=two.test,mx1.two.test,10",
        "--mx-host=two.test,mx2.two.test,20",
        "--host-record=mx1.two.test,127.0.0.1",
        "--host-record=mx2.two.test,127.0.0.2",
    ]);

    public DeliveryCertificates Certificates { get; } = new();

    public IPEndPoint EndPoint => _server.EndPoint;

    public void Dispose()
    {
        _server.Dispose();
        Certificates.Dispose();
    }
}

/// <summary>
/// The connector applying the TLS policy of each level to servers that do not offer STARTTLS, refuse
/// it, break the handshake, or present a self-signed, wrongly named, expired, foreign or valid
/// certificate: a connection comes back only when the policy is met, and nothing is sent in clear
/// when the policy requires TLS.
/// </summary>
public sealed class SmtpConnectorTlsTests(ConnectorTlsZone zone) : IClassFixture<ConnectorTlsZone>, IDisposable
{
    private const string Refusal = "454 4.7.0 TLS not available due to local problem";
    private const string Message = "Subject: policy\r\n\r\nBody.\r\n";

    private readonly TemporaryDirectory _directory = new();
    private readonly RecordingLogger _log = new();
    private SpoolStore? _spool;

    /// <summary>The receiving side of each case.</summary>
    public enum Server
    {
        NotOffered,
        Refuses,
        SelfSigned,
        WrongName,
        Expired,
        Untrusted,
        Valid,
    }

    private DeliveryCertificates Certificates => zone.Certificates;

    public void Dispose()
    {
        _spool?.Dispose();
        _directory.Dispose();
    }

    /// <summary>Every level against every server: "tls" delivered over TLS, "plain" in plaintext, otherwise the status of the deferral.</summary>
    public static TheoryData<Server, TlsLevel, string> Matrix()
    {
        var data = new TheoryData<Server, TlsLevel, string>();
        foreach (Server server in Enum.GetValues<Server>())
        {
            foreach (TlsLevel level in Enum.GetValues<TlsLevel>())
            {
                string expected = (server, level) switch
                {
                    (_, TlsLevel.None) => "plain",
                    (Server.NotOffered or Server.Refuses, TlsLevel.May) => "plain",
                    (Server.NotOffered, _) => "4.7.4",
                    (Server.Refuses, _) => "4.7.0",
                    (_, TlsLevel.May or TlsLevel.Encrypt) => "tls",
                    (Server.Valid, _) => "tls",
                    _ => "4.7.5",
                };
                data.Add(server, level, expected);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_level_delivers_with_TLS_in_plaintext_or_not_at_all_as_its_policy_requires(Server server, TlsLevel level, string expected)
    {
        using X509Certificate2? certificate = CertificateOf(server)?.Load();
        await using var sink = SinkFor(server, certificate);

        ConnectResult result = await ConnectAsync(sink, level);

        if (expected is "tls" or "plain")
        {
            Assert.True(result.Connection is not null, $"{result.Dsn} {result.Reason}");
            await DeliverAndQuitAsync(result.Connection);
            Assert.Single(sink.Messages);
            Assert.Equal(expected == "tls" ? 1 : 0, sink.Handshakes);
            Assert.Equal(expected == "tls", result.Tls!.Trust is not null);
            Assert.StartsWith(expected == "tls" ? "TLSv1." : "none (", result.Tls.Summary, StringComparison.Ordinal);
            Assert.Equal(level == TlsLevel.None || server == Server.NotOffered ? 0 : 1, sink.Commands.Count(command => command == "STARTTLS"));
            if (level >= TlsLevel.Fingerprint)
            {
                Assert.Equal("verified", result.Tls.Trust);
            }
        }
        else
        {
            Assert.Null(result.Connection);
            Assert.Equal(expected, result.Dsn);
            Assert.Equal(ExpectedReason(server), result.Reason);
            await sink.DisposeAsync();
            Assert.DoesNotContain(sink.Commands, command => command.StartsWith("MAIL", StringComparison.Ordinal) || command.StartsWith("RCPT", StringComparison.Ordinal));
            Assert.Empty(sink.Messages);
            Assert.Contains(_log.Entries, entry => entry.Message.Contains(result.Reason, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(TlsLevel.Verify, true)]
    [InlineData(TlsLevel.Secure, false)]
    public async Task Verify_trusts_the_MX_host_name_and_secure_only_the_nexthop_domain(TlsLevel level, bool delivered)
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate };

        ConnectResult onItsOwnDomain = await ConnectAsync(sink, level, "sink.test");
        ConnectResult forAnotherDomain = await ConnectAsync(sink, level, "elsewhere.test");

        Assert.NotNull(onItsOwnDomain.Connection);
        await DeliverAndQuitAsync(onItsOwnDomain.Connection);
        Assert.Equal(delivered, forAnotherDomain.Connection is not null);
        if (forAnotherDomain.Connection is { } connection)
        {
            await DeliverAndQuitAsync(connection);
        }
        else
        {
            Assert.Equal("4.7.5", forAnotherDomain.Dsn);
            Assert.Contains(_log.Entries, entry => entry.Message.Contains("name mismatch", StringComparison.Ordinal) && entry.Message.Contains("elsewhere.test", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(TlsLevel.Verify, "certificate not trusted: certificate has expired")]
    [InlineData(TlsLevel.Fingerprint, "certificate fingerprint not in")]
    public async Task A_refused_certificate_is_logged_with_what_is_wrong_with_it(TlsLevel level, string problem)
    {
        using X509Certificate2 certificate = Certificates.Expired.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate };

        ConnectResult result = await ConnectAsync(sink, level);

        Assert.Equal("4.7.5", result.Dsn);
        Assert.Contains("untrusted CN=mx.sink.test", result.TlsSummary, StringComparison.Ordinal);
        Assert.Contains(_log.Entries, entry => entry.Message.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_handshake_at_may_defers_fresh_mail_and_retries_old_mail_in_plaintext()
    {
        await using var sink = new TestSink("STARTTLS");

        ConnectResult fresh = await ConnectAsync(sink, TlsLevel.May, arrival: DateTimeOffset.UtcNow);
        ConnectResult old = await ConnectAsync(sink, TlsLevel.May, arrival: DateTimeOffset.UtcNow - TimeSpan.FromHours(1));

        Assert.Null(fresh.Connection);
        Assert.Equal("4.7.5", fresh.Dsn);
        Assert.Equal(TlsDecision.HandshakeFailure, fresh.Reason);
        Assert.StartsWith("failed (handshake", fresh.TlsSummary, StringComparison.Ordinal);
        Assert.NotNull(old.Connection);
        Assert.Equal("none (plaintext retry after a failed handshake)", old.Tls!.Summary);
        await DeliverAndQuitAsync(old.Connection);
        Assert.Single(sink.Messages);

        // Three connections: fresh (STARTTLS, broken), old (STARTTLS, broken), old again in plaintext.
        Assert.Equal(3, sink.Connections);
        Assert.Equal(2, sink.Commands.Count(command => command == "STARTTLS"));
    }

    [Theory]
    [InlineData(TlsLevel.Encrypt)]
    [InlineData(TlsLevel.Verify)]
    public async Task A_failed_handshake_when_TLS_is_required_is_never_retried_in_plaintext(TlsLevel level)
    {
        await using var sink = new TestSink("STARTTLS");

        ConnectResult result = await ConnectAsync(sink, level, arrival: DateTimeOffset.UtcNow - TimeSpan.FromDays(1));

        Assert.Null(result.Connection);
        Assert.Equal("4.7.5", result.Dsn);
        Assert.Equal(TlsDecision.HandshakeFailure, result.Reason);
        Assert.Equal(1, sink.Connections);
    }

    [Fact]
    public async Task A_host_that_cannot_give_the_required_TLS_is_skipped_for_the_next_MX_host()
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        await using var plain = new TestSink(new IPEndPoint(IPAddress.Loopback, 0));
        await using var secured = new TestSink(new IPEndPoint(IPAddress.Parse("127.0.0.2"), plain.EndPoint.Port), "STARTTLS") { Certificate = certificate };

        ConnectResult result = await ConnectAsync(plain, TlsLevel.Encrypt, "two.test");

        Assert.NotNull(result.Connection);
        await DeliverAndQuitAsync(result.Connection);
        Assert.Equal(["EHLO client.test", "QUIT"], plain.Commands);
        Assert.Single(secured.Messages);
        Assert.Contains(_log.Entries, entry => entry.Message.Contains("TLS is required, but was not offered by host mx1.two.test[127.0.0.1]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_host_fails_the_last_reason_defers_the_mail()
    {
        await using var plain = new TestSink(new IPEndPoint(IPAddress.Loopback, 0));
        await using var refusing = new TestSink(new IPEndPoint(IPAddress.Parse("127.0.0.2"), plain.EndPoint.Port), "STARTTLS").Reply("STARTTLS", Refusal);

        ConnectResult result = await ConnectAsync(plain, TlsLevel.Encrypt, "two.test");

        Assert.Null(result.Connection);
        Assert.Equal("4.7.0", result.Dsn);
        Assert.Equal($"TLS is required, but host mx2.two.test[127.0.0.2] refused to start TLS: {Refusal}", result.Reason);
        Assert.Empty(plain.Messages);
        Assert.Empty(refusing.Messages);
    }

    [Fact]
    public async Task The_client_certificate_is_sent_even_when_the_server_hints_at_another_CA()
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        using X509Certificate2 client = Certificates.Client.Load();
        using X509Certificate2 hintedCa = Pki.LoadCertificate(Certificates.CaFile);
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate, AskClientCertificate = true, ClientCertificateHints = [hintedCa] };

        ConnectResult result = await ConnectAsync(sink, TlsLevel.Encrypt, clientCertificate: client);

        Assert.NotNull(result.Connection);
        await DeliverAndQuitAsync(result.Connection);
        Assert.Equal(client.RawData, Assert.Single(sink.ClientCertificates));
        Assert.Equal(Fingerprint.OfCertificate(client, FingerprintDigest.Sha256), result.Tls!.ClientCertificate);
    }

    [Theory]
    [InlineData(TlsLevel.None, true)]
    [InlineData(TlsLevel.May, false)]
    public async Task Note_starttls_offer_logs_servers_offering_STARTTLS_that_the_policy_did_not_use(TlsLevel level, bool noted)
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate };

        ConnectResult result = await ConnectAsync(sink, level, noteStartTlsOffer: true);

        await DeliverAndQuitAsync(result.Connection!);
        Assert.Equal(noted, _log.Entries.Any(entry => entry.Message == "Host offered STARTTLS: [mx.sink.test]"));
    }

    [Fact]
    public async Task A_response_injected_after_the_220_is_discarded_and_logged()
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate }.Reply("STARTTLS", "220 Ready\r\n250 injected");

        ConnectResult result = await ConnectAsync(sink, TlsLevel.Encrypt);

        Assert.NotNull(result.Connection);
        Assert.Equal("sink.test", result.Connection.Capabilities.ServerName);
        await DeliverAndQuitAsync(result.Connection);
        Assert.Single(sink.Messages);
        Assert.Contains(_log.Entries, entry => entry.Message.Contains("discarded 14 octets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_protocols_attribute_that_leaves_nothing_to_offer_fails_like_a_handshake_without_sending_STARTTLS()
    {
        await using var sink = new TestSink("STARTTLS");
        var maps = new Dictionary<string, string> { [$"sink.test:{sink.EndPoint.Port}"] = "encrypt protocols=TLSv1.1" };
        var tls = new ClientTls(new TlsPolicyResolver(TlsLevel.None, null, () => maps), null, [], false, FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System);

        ConnectResult result = await ConnectAsync(sink, tls, "sink.test", DateTimeOffset.UtcNow);

        Assert.Null(result.Connection);
        Assert.Equal("4.7.5", result.Dsn);
        Assert.DoesNotContain("STARTTLS", sink.Commands);
    }

    [Fact]
    public async Task A_connector_made_without_TLS_settings_never_sends_STARTTLS()
    {
        using X509Certificate2 certificate = Certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = certificate };
        var connector = new SmtpConnector(new MxResolver([zone.EndPoint], TimeSpan.FromSeconds(5), "client.test", []), ClientOptions.Defaults("client.test"));

        ConnectResult result = await connector.ConnectAsync(new NextHop($"sink.test:{sink.EndPoint.Port}", "sink.test", sink.EndPoint.Port, MxLookup: true, Local: false), CancellationToken.None);

        Assert.NotNull(result.Connection);
        Assert.Equal("none (policy none)", result.TlsSummary);
        await DeliverAndQuitAsync(result.Connection);
        Assert.DoesNotContain("STARTTLS", sink.Commands);
    }

    private static string ExpectedReason(Server server) => server switch
    {
        Server.NotOffered => "TLS is required, but was not offered by host mx.sink.test[127.0.0.1]",
        Server.Refuses => $"TLS is required, but host mx.sink.test[127.0.0.1] refused to start TLS: {Refusal}",
        _ => TlsDecision.NotVerified,
    };

    private DeliveryCertificates.Issued? CertificateOf(Server server) => server switch
    {
        Server.SelfSigned => Certificates.SelfSigned,
        Server.WrongName => Certificates.WrongName,
        Server.Expired => Certificates.Expired,
        Server.Untrusted => Certificates.Untrusted,
        Server.Valid => Certificates.Valid,
        _ => null,
    };

    private static TestSink SinkFor(Server server, X509Certificate2? certificate) => server switch
    {
        Server.NotOffered => new TestSink("PIPELINING"),
        Server.Refuses => new TestSink("PIPELINING", "STARTTLS").Reply("STARTTLS", Refusal),
        _ => new TestSink("PIPELINING", "STARTTLS") { Certificate = certificate },
    };

    private Task<ConnectResult> ConnectAsync(
        TestSink sink, TlsLevel level, string domain = "sink.test", DateTimeOffset? arrival = null, X509Certificate2? clientCertificate = null, bool noteStartTlsOffer = false)
    {
        string[]? fingerprints = level == TlsLevel.Fingerprint ? [Certificates.Valid.Sha256()] : null;
        var tls = new ClientTls(new TlsPolicyResolver(level, null, null, fingerprints), clientCertificate, Pki.LoadCertificates(Certificates.CaFile),
            appendDefaultCa: false, FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System)
        {
            NoteStartTlsOffer = noteStartTlsOffer,
            LogLevel = 1,
        };
        return ConnectAsync(sink, tls, domain, arrival ?? DateTimeOffset.UtcNow);
    }

    private Task<ConnectResult> ConnectAsync(TestSink sink, ClientTls tls, string domain, DateTimeOffset arrival)
    {
        var connector = new SmtpConnector(
            new MxResolver([zone.EndPoint], TimeSpan.FromSeconds(5), "client.test", []), ClientOptions.Defaults("client.test"), tls, TimeSpan.FromMinutes(5), _log);
        var hop = new NextHop($"{domain}:{sink.EndPoint.Port}", domain, sink.EndPoint.Port, MxLookup: true, Local: false);
        return connector.ConnectAsync(hop, tls.Policies.ResolveNexthop(hop.Name), arrival, CancellationToken.None);
    }

    private async Task DeliverAndQuitAsync(SmtpClientConnection connection)
    {
        await using (connection)
        {
            _spool ??= new SpoolStore(_directory.Path, segmentSize: 1 << 20, NullLogger.Instance);
            using var writer = _spool.CreateWriter();
            writer.Write(Encoding.ASCII.GetBytes(Message));
            await writer.FlushAsync();
            var body = await writer.CompleteAsync();
            _spool.Retain(body);
            writer.Finish();
            var envelope = new MessageEnvelope("Q1", "sender@example.org", 0, body, [new EnvelopeRecipient("rcpt@sink.test", DsnNotify.Unspecified, null)],
                BodyType.SevenBit, false, DsnReturn.Unspecified, null, "192.0.2.1", "client.example");
            var result = await connection.SendAsync(envelope, [0], () => _spool.OpenRead(body), CancellationToken.None);
            Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
            await connection.QuitAsync(CancellationToken.None);
        }
    }
}
