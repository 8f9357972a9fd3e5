using Akka.Actor;
using Mta.Core.Queue;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Routing;

/// <summary>
/// Sends each recipient to the agent for its domain: local domains to Maildir, every other
/// domain to onward delivery. Replies go straight from the agent to the queue.
/// </summary>
public sealed class DeliveryRouter : ReceiveActor
{
    /// <summary>Creates the router. Without an onward agent (<paramref name="remote"/> null) mail for other domains is deferred and stays queued.</summary>
    public DeliveryRouter(Func<string, bool> isLocalDomain, IActorRef local, IActorRef? remote)
    {
        Receive<DeliverRecipient>(request =>
        {
            var recipient = request.Envelope.Recipients[request.Index];
            var domain = recipient.Domain;
            // A bare local part (Postmaster) is local by definition.
            if (domain.Length == 0 || isLocalDomain(domain))
                local.Forward(request);
            else if (remote is not null)
                remote.Forward(request);
            else
                Sender.Tell(new DeliveryOutcome(request.Envelope.QueueId, request.Index, DeliveryResult.Deferred, "4.4.1", "none",
                    $"no transport for {domain}: onward SMTP delivery is not enabled on this node"));
        });
    }

    /// <summary>Props for the router.</summary>
    public static Props Props(Func<string, bool> isLocalDomain, IActorRef local, IActorRef? remote) =>
        Akka.Actor.Props.Create(() => new DeliveryRouter(isLocalDomain, local, remote));
}
