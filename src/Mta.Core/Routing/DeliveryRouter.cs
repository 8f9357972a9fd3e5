using Akka.Actor;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Routing;

/// <summary>
/// Sends each recipient to the agent for its domain: local domains (and transport-map
/// <c>local:</c> routes) to Maildir, every other domain to the delivery actor of its nexthop,
/// created on demand. Recipients of one message with the same nexthop travel together. Replies go
/// straight from the agents to the queue.
/// </summary>
public sealed class DeliveryRouter : ReceiveActor
{
    private readonly Dictionary<string, IActorRef> _nexthops = new(StringComparer.Ordinal);

    /// <summary>Creates the router.</summary>
    public DeliveryRouter(Func<string, bool> isLocalDomain, IActorRef local, TransportResolver transports, DeliveryContext remote)
    {
        Receive<DeliverRecipients>(request =>
        {
            Dictionary<NextHop, List<int>>? byHop = null;
            foreach (var index in request.Indexes)
            {
                var domain = request.Envelope.Recipients[index].Domain;
                // A bare local part (Postmaster) is local by definition.
                var hop = domain.Length == 0 || isLocalDomain(domain) ? null : transports.Resolve(domain);
                if (hop is null || hop.Local)
                {
                    local.Tell(new DeliverRecipient(request.Envelope, index, request.Replayed, request.Attempt), Sender);
                }
                else
                {
                    byHop ??= new Dictionary<NextHop, List<int>>();
                    if (!byHop.TryGetValue(hop, out var indexes)) byHop[hop] = indexes = new List<int>();
                    indexes.Add(index);
                }
            }
            if (byHop is null) return;
            foreach (var (hop, indexes) in byHop)
                NextHopActor(hop, remote).Tell(new DeliverRecipients(request.Envelope, indexes, request.Replayed, request.Attempt), Sender);
        });
        Receive<ReviveDestinations>(revive =>
        {
            foreach (var actor in _nexthops.Values) actor.Tell(revive);
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var (name, actor) in _nexthops)
            {
                if (!actor.Equals(terminated.ActorRef)) continue;
                _nexthops.Remove(name);
                break;
            }
        });
    }

    /// <summary>Props for the router.</summary>
    public static Props Props(Func<string, bool> isLocalDomain, IActorRef local, TransportResolver transports, DeliveryContext remote) =>
        Akka.Actor.Props.Create(() => new DeliveryRouter(isLocalDomain, local, transports, remote));

    /// <summary>
    /// A delivery actor whose transport fails is stopped, not restarted with its state lost
    /// silently: the queue retries what it had, as after any deferral.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private IActorRef NextHopActor(NextHop hop, DeliveryContext context)
    {
        if (_nexthops.TryGetValue(hop.Name, out var actor)) return actor;
        actor = Context.ActorOf(DeliveryActor.Props(hop, context), "smtp-" + Uri.EscapeDataString(hop.Name));
        Context.Watch(actor);
        _nexthops[hop.Name] = actor;
        return actor;
    }
}
