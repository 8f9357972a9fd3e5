using Akka.Actor;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Queue;

public sealed class QueueSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer");

    private QueueSerializer Serializer => new((ExtendedActorSystem)_system);

    private static MessageEnvelope Envelope(string? envId = "env-1") => new(
        "0ABCDEFGHJKLM", "sender@example.com", 1_790_000_000_123,
        new SpoolBody([new SpoolExtent(3, 128, 4096), new SpoolExtent(4, 0, 17)], 4113),
        [
            new EnvelopeRecipient("a@example.com", DsnNotify.Success | DsnNotify.Failure, "rfc822;a@example.com"),
            new EnvelopeRecipient("\"odd user\"@例え.jp", DsnNotify.Unspecified, null),
        ],
        BodyType.EightBitMime, SmtpUtf8: true, DsnReturn.Headers, envId, "192.0.2.7", "client.example");

    private object RoundTrip(object value)
    {
        var serializer = Serializer;
        return serializer.FromBinary(serializer.ToBinary(value), serializer.Manifest(value));
    }

    [Fact]
    public void Message_queued_round_trips_with_every_field()
    {
        var original = new MessageQueued(Envelope());
        var copy = (MessageQueued)RoundTrip(original);
        Assert.Equal(original.Envelope with { Body = null!, Recipients = null! }, copy.Envelope with { Body = null!, Recipients = null! });
        Assert.Equal(original.Envelope.Body.Extents, copy.Envelope.Body.Extents);
        Assert.Equal(original.Envelope.Body.Length, copy.Envelope.Body.Length);
        Assert.Equal(original.Envelope.Recipients, copy.Envelope.Recipients);
    }

    [Fact]
    public void Null_envid_and_null_sender_survive()
    {
        var original = new MessageQueued(Envelope(envId: null) with { Sender = "" });
        var copy = (MessageQueued)RoundTrip(original);
        Assert.Null(copy.Envelope.EnvId);
        Assert.Equal("", copy.Envelope.Sender);
    }

    [Fact]
    public void Recipient_events_round_trip()
    {
        Assert.Equal(new RecipientDelivered("Q1", 3, "delivered"), RoundTrip(new RecipientDelivered("Q1", 3, "delivered")));
        Assert.Equal(new RecipientDeferred("Q1", 0, 1234567, "451 later"), RoundTrip(new RecipientDeferred("Q1", 0, 1234567, "451 later")));
        Assert.Equal(new RecipientBounced("Q1", 1, "550 no"), RoundTrip(new RecipientBounced("Q1", 1, "550 no")));
        Assert.Equal(new RecipientRelayed("Q1", 2, "250 ok", "mx[192.0.2.1]:25"), RoundTrip(new RecipientRelayed("Q1", 2, "250 ok", "mx[192.0.2.1]:25")));
    }

    [Fact]
    public void Snapshot_round_trips_progress()
    {
        var progress = new[]
        {
            new RecipientProgress { Status = RecipientStatus.Deferred, Attempts = 2, NextAttemptUnixMs = 99, LastError = "451" },
            new RecipientProgress { Status = RecipientStatus.Relayed, Attempts = 1, LastRelay = "mx[192.0.2.1]:25" },
        };
        var copy = (QueueSnapshot)RoundTrip(new QueueSnapshot([new QueueSnapshotEntry(Envelope(), progress)]));
        var entry = Assert.Single(copy.Entries);
        Assert.Equal("0ABCDEFGHJKLM", entry.Envelope.QueueId);
        Assert.Equal(RecipientStatus.Deferred, entry.Progress[0].Status);
        Assert.Equal(2, entry.Progress[0].Attempts);
        Assert.Equal(99, entry.Progress[0].NextAttemptUnixMs);
        Assert.Equal("451", entry.Progress[0].LastError);
        Assert.Equal(RecipientStatus.Relayed, entry.Progress[1].Status);
        Assert.Null(entry.Progress[1].LastError);
        Assert.Equal("mx[192.0.2.1]:25", entry.Progress[1].LastRelay);
    }

    [Fact]
    public void Unknown_manifest_is_refused()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Serializer.FromBinary([1], "Z"));
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
