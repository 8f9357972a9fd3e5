using System.Buffers;
using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Routing;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Tests.Delivery;

/// <summary>The delivery actor of one nexthop against a real SMTP sink on loopback.</summary>
public sealed class DeliveryActorSpec : TestKit
{
    private readonly TemporaryDirectory _dir = new();
    private readonly SpoolStore _spool;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private int _ids;

    public DeliveryActorSpec() : base("akka.test.single-expect-default = 15s")
    {
        _spool = new SpoolStore(Path.Combine(_dir.Path, "spool"), 1 << 20, NullLogger.Instance);
    }

    private IActorRef Start(int port, int limit = 20, TimeSpan? cache = null)
    {
        Assert.True(NextHopSyntax.TryParseDestination($"[127.0.0.1]:{port}", 25, out var hop, out _));
        var resolver = new MxResolver([new IPEndPoint(IPAddress.Loopback, 53)], TimeSpan.FromSeconds(1), "mx.test", []);
        // Connection timeouts run on real time; the fake clock only drives the dead-destination backoff.
        var connector = new SmtpConnector(resolver, ClientOptions.Defaults("mx.test"));
        var context = new DeliveryContext(connector, _spool, limit, cache ?? TimeSpan.FromSeconds(30), 100, TimeSpan.FromMinutes(5), _clock);
        return Sys.ActorOf(DeliveryActor.Props(hop!, context));
    }

    private async Task<MessageEnvelope> MessageAsync(params string[] recipients)
    {
        using var writer = _spool.CreateWriter();
        writer.Write("Subject: hello\r\n\r\nbody\r\n"u8);
        var body = await writer.CompleteAsync();
        _spool.Retain(body);
        return new MessageEnvelope($"Q{++_ids:D12}", "sender@mx.test", _clock.GetUtcNow().ToUnixTimeMilliseconds(), body,
            recipients.Select(r => new EnvelopeRecipient(r, DsnNotify.Unspecified, null)).ToArray(),
            BodyType.SevenBit, false, DsnReturn.Unspecified, null, "127.0.0.1", "client");
    }

    private static int Connections(TestSink sink) => sink.Commands.Count(c => c.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Messages_to_one_destination_should_share_cached_connections()
    {
        await using var sink = new TestSink("PIPELINING");
        var actor = Start(sink.EndPoint.Port, limit: 2);
        for (var i = 0; i < 10; i++)
        {
            actor.Tell(new DeliverRecipients(await MessageAsync($"u{i}@remote.test"), [0], false));
            var outcome = ExpectMsg<DeliveryOutcome>();
            Assert.Equal(DeliveryResult.Relayed, outcome.Result);
        }
        Assert.Equal(10, sink.Messages.Count);
        Assert.InRange(Connections(sink), 1, 2);
    }

    [Theory]
    [InlineData(true, DeliveryResult.Delivered)]
    [InlineData(false, DeliveryResult.Relayed)]
    public async Task Mail_accepted_by_a_next_hop_should_be_relayed_when_the_next_hop_does_not_speak_DSN(bool nextHopSpeaksDsn, DeliveryResult expected)
    {
        await using var sink = nextHopSpeaksDsn ? new TestSink("PIPELINING", "DSN") : new TestSink("PIPELINING");
        var actor = Start(sink.EndPoint.Port);

        actor.Tell(new DeliverRecipients(await MessageAsync("u@remote.test"), [0], false));

        var outcome = ExpectMsg<DeliveryOutcome>();
        Assert.Equal(expected, outcome.Result);
        Assert.Equal("2.0.0", outcome.Dsn);
    }

    [Fact]
    public async Task Connections_to_one_destination_should_never_exceed_the_window()
    {
        await using var sink = new TestSink("PIPELINING");
        var release = new TaskCompletionSource();
        sink.Hold(".", release.Task);
        var actor = Start(sink.EndPoint.Port, limit: 2);
        for (var i = 0; i < 6; i++)
            actor.Tell(new DeliverRecipients(await MessageAsync($"u{i}@remote.test"), [0], false));

        await AwaitConditionAsync(() => Task.FromResult(sink.Commands.Count(c => c == ".") == 2));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, Connections(sink));
        release.SetResult();
        var outcomes = ReceiveN(6).Cast<DeliveryOutcome>().ToList();
        Assert.All(outcomes, o => Assert.Equal(DeliveryResult.Relayed, o.Result));
        Assert.Equal(2, Connections(sink));
    }

    [Fact]
    public async Task Recipients_of_one_message_should_travel_together_and_get_their_own_outcomes()
    {
        await using var sink = new TestSink("PIPELINING");
        sink.Reply("RCPT TO:<nobody@", "550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown");
        sink.Reply("RCPT TO:<later@", "450 4.2.0 <later@remote.test>: try again");
        var actor = Start(sink.EndPoint.Port);
        actor.Tell(new DeliverRecipients(await MessageAsync("ok@remote.test", "nobody@remote.test", "later@remote.test"), [0, 1, 2], false));

        var outcomes = ReceiveN(3).Cast<DeliveryOutcome>().OrderBy(o => o.Index).ToList();
        Assert.Equal([DeliveryResult.Relayed, DeliveryResult.Bounced, DeliveryResult.Deferred], outcomes.Select(o => o.Result));
        Assert.Equal("5.1.1", outcomes[1].Dsn);
        Assert.Contains("said: 550 5.1.1", outcomes[1].Detail);
        Assert.StartsWith("127.0.0.1[127.0.0.1]:", outcomes[0].Relay);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task A_destination_that_is_down_should_defer_and_then_be_suspended_until_its_backoff_ends()
    {
        var port = FreePort();
        var actor = Start(port);
        actor.Tell(new DeliverRecipients(await MessageAsync("u@remote.test"), [0], false));
        var first = ExpectMsg<DeliveryOutcome>();
        Assert.Equal(DeliveryResult.Deferred, first.Result);
        Assert.Contains($"connect to 127.0.0.1[127.0.0.1]:{port}: Connection refused", first.Detail);

        actor.Tell(new DeliverRecipients(await MessageAsync("v@remote.test"), [0], false));
        var suspended = ExpectMsg<DeliveryOutcome>();
        Assert.Equal(DeliveryResult.Deferred, suspended.Result);
        Assert.StartsWith("delivery temporarily suspended: ", suspended.Detail);

        // Past the backoff the destination gets another try (and here it fails again).
        _clock.Advance(TimeSpan.FromMinutes(6));
        actor.Tell(new DeliverRecipients(await MessageAsync("w@remote.test"), [0], false));
        Assert.Contains("Connection refused", ExpectMsg<DeliveryOutcome>().Detail);
    }

    [Fact]
    public async Task A_dead_destination_should_be_tried_again_at_once_after_a_flush()
    {
        var port = FreePort();
        var actor = Start(port);
        actor.Tell(new DeliverRecipients(await MessageAsync("u@remote.test"), [0], false));
        Assert.Contains("Connection refused", ExpectMsg<DeliveryOutcome>().Detail);

        await using var sink = new TestSink(new IPEndPoint(IPAddress.Loopback, port), "PIPELINING");
        actor.Tell(ReviveDestinations.Instance);
        actor.Tell(new DeliverRecipients(await MessageAsync("v@remote.test"), [0], false));

        Assert.Equal(DeliveryResult.Relayed, ExpectMsg<DeliveryOutcome>().Result);
    }

    [Fact]
    public async Task A_message_whose_body_cannot_be_read_should_be_deferred_and_free_its_connection_slot()
    {
        await using var sink = new TestSink("PIPELINING");
        var actor = Start(sink.EndPoint.Port, limit: 1);
        var readable = await MessageAsync("ok@remote.test");
        var lost = readable with { QueueId = "QLOST", Body = new SpoolBody([new SpoolExtent(999_999, 0, 10)], 10) };

        actor.Tell(new DeliverRecipients(lost, [0], false));
        var failed = ExpectMsg<DeliveryOutcome>();
        Assert.Equal("QLOST", failed.QueueId);
        Assert.Equal(DeliveryResult.Deferred, failed.Result);
        Assert.Equal("4.3.0", failed.Dsn);

        actor.Tell(new DeliverRecipients(readable, [0], false));
        Assert.Equal(DeliveryResult.Relayed, ExpectMsg<DeliveryOutcome>().Result);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _spool.Dispose();
        _dir.Dispose();
    }
}
