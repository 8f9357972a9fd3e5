using System.Buffers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Routing;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Mta.Tls;
using Mta.Tls.Policy;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Tests.Delivery;

/// <summary>
/// The delivery actor with a TLS policy per nexthop: the TLS facts in every outcome, connections
/// reused only under the same policy, and a malformed policy entry deferring mail at once.
/// </summary>
public sealed class DeliveryActorTlsSpec : TestKit, IClassFixture<ConnectorTlsZone>
{
    private readonly ConnectorTlsZone _zone;
    private readonly TemporaryDirectory _directory = new();
    private readonly SpoolStore _spool;
    private Dictionary<string, string> _policyMaps = [];
    private int _ids;

    public DeliveryActorTlsSpec(ConnectorTlsZone zone)
        : base("akka.test.single-expect-default = 15s")
    {
        _zone = zone;
        _spool = new SpoolStore(_directory.Path, 1 << 20, NullLogger.Instance);
    }

    [Fact]
    public async Task Delivery_actor_should_reuse_one_TLS_connection_and_log_its_TLS_facts_with_every_outcome()
    {
        using X509Certificate2 certificate = _zone.Certificates.Valid.Load();
        await using var sink = new TestSink("PIPELINING", "STARTTLS") { Certificate = certificate };
        var (actor, hop) = Start(sink);
        _policyMaps = new() { [hop.Name] = "encrypt" };

        actor.Tell(await RequestAsync());
        var first = ExpectMsg<DeliveryOutcome>();
        actor.Tell(await RequestAsync());
        var second = ExpectMsg<DeliveryOutcome>();

        foreach (var outcome in new[] { first, second })
        {
            Assert.Equal(DeliveryResult.Relayed, outcome.Result);
            Assert.Matches(@"^250 2\.0\.0 Ok: queued as SINK; tls=TLSv1\.[23] TLS_\S+ trusted CN=mx\.sink\.test$", outcome.Detail);
            Assert.Equal($"mx.sink.test[127.0.0.1]:{sink.EndPoint.Port}", outcome.Relay);
        }

        Assert.Equal(1, sink.Connections);
        Assert.Equal(1, sink.Handshakes);
        Assert.Equal(2, sink.Messages.Count);
    }

    [Fact]
    public async Task Delivery_actor_should_not_reuse_a_connection_opened_under_another_policy()
    {
        using X509Certificate2 certificate = _zone.Certificates.Valid.Load();
        await using var sink = new TestSink("PIPELINING", "STARTTLS") { Certificate = certificate };
        var (actor, hop) = Start(sink);
        _policyMaps = new() { [hop.Name] = "encrypt" };
        actor.Tell(await RequestAsync());
        Assert.Equal(DeliveryResult.Relayed, ExpectMsg<DeliveryOutcome>().Result);

        _policyMaps = new() { [hop.Name] = "verify" };
        actor.Tell(await RequestAsync());
        var outcome = ExpectMsg<DeliveryOutcome>();

        Assert.Equal(DeliveryResult.Relayed, outcome.Result);
        Assert.Contains("; tls=TLSv1.", outcome.Detail, StringComparison.Ordinal);
        Assert.EndsWith(" verified CN=mx.sink.test", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(2, sink.Connections);
        Assert.Equal(2, sink.Handshakes);
    }

    [Fact]
    public async Task Delivery_actor_should_defer_without_sending_when_TLS_is_required_and_not_offered()
    {
        await using var sink = new TestSink("PIPELINING");
        var (actor, hop) = Start(sink);
        _policyMaps = new() { [hop.Name] = "encrypt" };

        actor.Tell(await RequestAsync());
        var outcome = ExpectMsg<DeliveryOutcome>();

        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Equal("4.7.4", outcome.Dsn);
        Assert.Equal("TLS is required, but was not offered by host mx.sink.test[127.0.0.1]; tls=none (not offered)", outcome.Detail);
        await sink.DisposeAsync();
        Assert.Equal(["EHLO client.test", "QUIT"], sink.Commands);
    }

    [Fact]
    public async Task Delivery_actor_should_defer_at_once_for_a_malformed_policy_entry()
    {
        await using var sink = new TestSink("PIPELINING", "STARTTLS");
        var (actor, hop) = Start(sink);
        _policyMaps = new() { [hop.Name] = "verify match=" };

        actor.Tell(await RequestAsync());
        var outcome = ExpectMsg<DeliveryOutcome>();

        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Equal(TlsDecision.TlsFailureDsn, outcome.Dsn);
        Assert.StartsWith(TlsDecision.ConfigurationProblem, outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(0, sink.Connections);
    }

    [Fact]
    public async Task Delivery_actor_should_say_how_plaintext_mail_went()
    {
        await using var sink = new TestSink("PIPELINING");
        var (actor, hop) = Start(sink);
        _policyMaps = new() { [hop.Name] = "may" };

        actor.Tell(await RequestAsync());
        var outcome = ExpectMsg<DeliveryOutcome>();

        Assert.Equal(DeliveryResult.Relayed, outcome.Result);
        Assert.Equal("250 2.0.0 Ok: queued as SINK; tls=none (not offered)", outcome.Detail);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _spool.Dispose();
            _directory.Dispose();
        }
    }

    private (IActorRef Actor, NextHop Hop) Start(TestSink sink)
    {
        var hop = new NextHop($"sink.test:{sink.EndPoint.Port}", "sink.test", sink.EndPoint.Port, MxLookup: true, Local: false);
        var tls = new ClientTls(new TlsPolicyResolver(TlsLevel.None, null, () => _policyMaps), null, Pki.LoadCertificates(_zone.Certificates.CaFile),
            appendDefaultCa: false, FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System);
        var connector = new SmtpConnector(new MxResolver([_zone.EndPoint], TimeSpan.FromSeconds(5), "client.test", []),
            ClientOptions.Defaults("client.test"), tls, TimeSpan.FromMinutes(5), NullLogger.Instance);
        var context = new DeliveryContext(connector, _spool, ConcurrencyLimit: 1, ConnectionCacheTime: TimeSpan.FromMinutes(1), ReuseLimit: 0,
            DeadDestinationBackoff: TimeSpan.FromMinutes(5), TimeProvider.System);
        return (Sys.ActorOf(DeliveryActor.Props(hop, context)), hop);
    }

    private async Task<DeliverRecipients> RequestAsync()
    {
        var writer = _spool.CreateWriter();
        writer.Write("Subject: test\r\n\r\nbody\r\n"u8);
        var body = await writer.CompleteAsync();
        _spool.Retain(body);
        writer.Finish();
        var envelope = new MessageEnvelope($"Q{++_ids:D12}", "sender@example.com", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), body,
            [new EnvelopeRecipient("rcpt@sink.test", DsnNotify.Unspecified, null)], BodyType.SevenBit, false, DsnReturn.Unspecified, null, "127.0.0.1", "client");
        return new DeliverRecipients(envelope, [0], false);
    }
}
