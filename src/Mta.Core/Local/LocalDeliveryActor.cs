using Akka.Actor;
using Mta.Core.Queue;
using Mta.Core.Spool;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Local;

/// <summary>
/// Delivers recipients of local domains to Maildir, with up to a set number of deliveries in
/// flight (their fsyncs overlap), and reports each outcome to the queue.
/// </summary>
public sealed class LocalDeliveryActor : ReceiveActor
{
    private readonly MaildirWriter _writer;
    private readonly SpoolStore _spool;
    private readonly int _concurrency;
    private readonly Queue<(DeliverRecipient Request, IActorRef ReplyTo)> _waiting = new();
    private int _running;

    /// <summary>Creates the actor.</summary>
    public LocalDeliveryActor(MaildirWriter writer, SpoolStore spool, int concurrency)
    {
        _writer = writer;
        _spool = spool;
        _concurrency = concurrency;
        Receive<DeliverRecipient>(request =>
        {
            if (_running >= _concurrency) _waiting.Enqueue((request, Sender));
            else Start(request, Sender);
        });
        Receive<Completed>(completed =>
        {
            _running--;
            completed.ReplyTo.Tell(ToOutcome(completed.Request, completed.Result));
            if (_waiting.TryDequeue(out var next)) Start(next.Request, next.ReplyTo);
        });
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(MaildirWriter writer, SpoolStore spool, int concurrency) =>
        Akka.Actor.Props.Create(() => new LocalDeliveryActor(writer, spool, concurrency));

    private void Start(DeliverRecipient request, IActorRef replyTo)
    {
        _running++;
        var envelope = request.Envelope;
        var recipient = envelope.Recipients[request.Index];
        var delivery = new MaildirDelivery(
            envelope.QueueId, request.Index, recipient.Domain, recipient.LocalPart,
            envelope.Sender, recipient.Address, () => _spool.OpenRead(envelope.Body), request.Replayed);
        _writer.DeliverAsync(delivery, CancellationToken.None).PipeTo(Self,
            success: result => new Completed(request, replyTo, result),
            failure: e => new Completed(request, replyTo, new MaildirResult(MaildirOutcome.Failed, e.Message, IsTransient: true)));
    }

    private static DeliveryOutcome ToOutcome(DeliverRecipient request, MaildirResult result)
    {
        var queueId = request.Envelope.QueueId;
        return result.Outcome switch
        {
            MaildirOutcome.Delivered => new DeliveryOutcome(queueId, request.Index, DeliveryResult.Delivered, "2.0.0", "local", "delivered to maildir", request.Attempt),
            MaildirOutcome.AlreadyDelivered => new DeliveryOutcome(queueId, request.Index, DeliveryResult.Delivered, "2.0.0", "local", "already in maildir", request.Attempt),
            _ when result.IsTransient => new DeliveryOutcome(queueId, request.Index, DeliveryResult.Deferred, "4.3.0", "local", result.Error ?? "maildir delivery failed", request.Attempt),
            _ => new DeliveryOutcome(queueId, request.Index, DeliveryResult.Bounced, "5.1.3", "local", result.Error ?? "maildir delivery failed", request.Attempt),
        };
    }

    private sealed record Completed(DeliverRecipient Request, IActorRef ReplyTo, MaildirResult Result);
}
