using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Mta.Core.Spool;
using Mta.Protocol;

namespace Mta.Core.Queue;

/// <summary>
/// Compact binary form of the queue's journal events and snapshots. Each format starts with a
/// version byte so that later versions can read what earlier ones wrote.
/// </summary>
public sealed class QueueSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id bound in HOCON.</summary>
    public const int Id = 3401;

    private const byte Version = 1;
    private const string QueuedManifest = "Q";
    private const string DeliveredManifest = "D";
    private const string RelayedManifest = "Y";
    private const string DeferredManifest = "F";
    private const string BouncedManifest = "B";
    private const string SnapshotManifest = "S";
    private const string HeldManifest = "H";
    private const string ReleasedManifest = "R";
    private const string DeletedManifest = "X";
    private const string NoticeManifest = "N";

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        MessageQueued => QueuedManifest,
        RecipientDelivered => DeliveredManifest,
        RecipientRelayed => RelayedManifest,
        RecipientDeferred => DeferredManifest,
        RecipientBounced => BouncedManifest,
        QueueSnapshot => SnapshotManifest,
        MessageHeld => HeldManifest,
        MessageReleased => ReleasedManifest,
        MessageDeleted => DeletedManifest,
        NoticeSent => NoticeManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a queue event", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var memory = new MemoryStream(256);
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            switch (obj)
            {
                case MessageQueued queued:
                    WriteEnvelope(writer, queued.Envelope);
                    break;
                case RecipientDelivered delivered:
                    WriteAccepted(writer, delivered.QueueId, delivered.Index, delivered.Detail, delivered.Relay);
                    break;
                case RecipientRelayed relayed:
                    WriteAccepted(writer, relayed.QueueId, relayed.Index, relayed.Detail, relayed.Relay);
                    break;
                case RecipientDeferred deferred:
                    writer.Write(deferred.QueueId);
                    writer.Write7BitEncodedInt(deferred.Index);
                    writer.Write(deferred.NextAttemptUnixMs);
                    writer.Write(deferred.Reason);
                    writer.Write(deferred.Dsn);
                    writer.Write(deferred.Relay);
                    break;
                case RecipientBounced bounced:
                    writer.Write(bounced.QueueId);
                    writer.Write7BitEncodedInt(bounced.Index);
                    writer.Write(bounced.Reason);
                    writer.Write(bounced.Dsn);
                    writer.Write(bounced.Relay);
                    break;
                case MessageHeld held:
                    writer.Write(held.QueueId);
                    break;
                case MessageReleased released:
                    writer.Write(released.QueueId);
                    break;
                case MessageDeleted deleted:
                    writer.Write(deleted.QueueId);
                    break;
                case NoticeSent notice:
                    writer.Write(notice.QueueId);
                    writer.Write(notice.NoticeQueueId);
                    writer.Write((byte)notice.Kind);
                    break;
                case QueueSnapshot snapshot:
                    writer.Write7BitEncodedInt(snapshot.Entries.Count);
                    foreach (var entry in snapshot.Entries)
                    {
                        WriteEnvelope(writer, entry.Envelope);
                        writer.Write(entry.Held);
                        var sent = entry.NoticesSent ?? [];
                        writer.Write7BitEncodedInt(sent.Count);
                        foreach (var kind in sent) writer.Write((byte)kind);
                        foreach (var progress in entry.Progress)
                        {
                            writer.Write((byte)progress.Status);
                            writer.Write7BitEncodedInt(progress.Attempts);
                            writer.Write(progress.NextAttemptUnixMs);
                            WriteNullable(writer, progress.LastError);
                            WriteNullable(writer, progress.LastDsn);
                            WriteNullable(writer, progress.LastRelay);
                        }
                    }
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not a queue event", nameof(obj));
            }
        }
        return memory.ToArray();
    }

    /// <summary>A recipient delivered or relayed: the same fields, told apart by the manifest.</summary>
    private static void WriteAccepted(BinaryWriter writer, string queueId, int index, string detail, string relay)
    {
        writer.Write(queueId);
        writer.Write7BitEncodedInt(index);
        writer.Write(detail);
        writer.Write(relay);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != Version)
            throw new SerializationException($"queue record version {version} is newer than this build understands ({Version})");
        switch (manifest)
        {
            case QueuedManifest:
                return new MessageQueued(ReadEnvelope(reader));
            case DeliveredManifest:
                return new RecipientDelivered(reader.ReadString(), reader.Read7BitEncodedInt(), reader.ReadString(), reader.ReadString());
            case RelayedManifest:
                return new RecipientRelayed(reader.ReadString(), reader.Read7BitEncodedInt(), reader.ReadString(), reader.ReadString());
            case DeferredManifest:
                return new RecipientDeferred(reader.ReadString(), reader.Read7BitEncodedInt(), reader.ReadInt64(), reader.ReadString(), reader.ReadString(), reader.ReadString());
            case BouncedManifest:
                return new RecipientBounced(reader.ReadString(), reader.Read7BitEncodedInt(), reader.ReadString(), reader.ReadString(), reader.ReadString());
            case HeldManifest:
                return new MessageHeld(reader.ReadString());
            case ReleasedManifest:
                return new MessageReleased(reader.ReadString());
            case DeletedManifest:
                return new MessageDeleted(reader.ReadString());
            case NoticeManifest:
                return new NoticeSent(reader.ReadString(), reader.ReadString(), (Bounce.DsnKind)reader.ReadByte());
            case SnapshotManifest:
                var count = reader.Read7BitEncodedInt();
                var entries = new List<QueueSnapshotEntry>(count);
                for (var i = 0; i < count; i++)
                {
                    var envelope = ReadEnvelope(reader);
                    var held = reader.ReadBoolean();
                    var sent = new Bounce.DsnKind[reader.Read7BitEncodedInt()];
                    for (var k = 0; k < sent.Length; k++) sent[k] = (Bounce.DsnKind)reader.ReadByte();
                    var progress = new RecipientProgress[envelope.Recipients.Length];
                    for (var r = 0; r < progress.Length; r++)
                    {
                        progress[r] = new RecipientProgress
                        {
                            Status = (RecipientStatus)reader.ReadByte(),
                            Attempts = reader.Read7BitEncodedInt(),
                            NextAttemptUnixMs = reader.ReadInt64(),
                            LastError = ReadNullable(reader),
                            LastDsn = ReadNullable(reader),
                            LastRelay = ReadNullable(reader),
                        };
                    }
                    entries.Add(new QueueSnapshotEntry(envelope, progress, held, sent));
                }
                return new QueueSnapshot(entries);
            default:
                throw new SerializationException($"unknown queue record manifest '{manifest}'");
        }
    }

    private static void WriteEnvelope(BinaryWriter writer, MessageEnvelope envelope)
    {
        writer.Write(envelope.QueueId);
        writer.Write(envelope.Sender);
        writer.Write(envelope.ArrivalUnixMs);
        writer.Write7BitEncodedInt64(envelope.Body.Length);
        writer.Write7BitEncodedInt(envelope.Body.Extents.Length);
        foreach (var extent in envelope.Body.Extents)
        {
            writer.Write7BitEncodedInt64(extent.Segment);
            writer.Write7BitEncodedInt64(extent.Offset);
            writer.Write7BitEncodedInt(extent.Length);
        }
        writer.Write7BitEncodedInt(envelope.Recipients.Length);
        foreach (var recipient in envelope.Recipients)
        {
            writer.Write(recipient.Address);
            writer.Write((byte)recipient.Notify);
            WriteNullable(writer, recipient.OriginalRecipient);
        }
        writer.Write((byte)envelope.BodyType);
        writer.Write(envelope.SmtpUtf8);
        writer.Write((byte)envelope.Ret);
        WriteNullable(writer, envelope.EnvId);
        writer.Write(envelope.ClientAddress);
        writer.Write(envelope.HeloName);
    }

    private static MessageEnvelope ReadEnvelope(BinaryReader reader)
    {
        var queueId = reader.ReadString();
        var sender = reader.ReadString();
        var arrival = reader.ReadInt64();
        var length = reader.Read7BitEncodedInt64();
        var extents = new SpoolExtent[reader.Read7BitEncodedInt()];
        for (var i = 0; i < extents.Length; i++)
            extents[i] = new SpoolExtent(reader.Read7BitEncodedInt64(), reader.Read7BitEncodedInt64(), reader.Read7BitEncodedInt());
        var recipients = new EnvelopeRecipient[reader.Read7BitEncodedInt()];
        for (var i = 0; i < recipients.Length; i++)
            recipients[i] = new EnvelopeRecipient(reader.ReadString(), (DsnNotify)reader.ReadByte(), ReadNullable(reader));
        return new MessageEnvelope(
            queueId, sender, arrival, new SpoolBody(extents, length), recipients,
            (BodyType)reader.ReadByte(), reader.ReadBoolean(), (DsnReturn)reader.ReadByte(), ReadNullable(reader),
            reader.ReadString(), reader.ReadString());
    }

    private static void WriteNullable(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    private static string? ReadNullable(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
