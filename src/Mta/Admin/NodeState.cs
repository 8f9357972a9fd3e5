using Akka.Actor;

namespace Mta.Admin;

/// <summary>
/// What the admin endpoint knows about the node in the same process: whether it has started (SMTP
/// listening, queue actor created and recovering) and whether it is stopping. Readiness probes
/// follow it, so a load balancer sends no new connections to a node that is not taking mail.
/// </summary>
public sealed class NodeState
{
    private volatile IActorRef? _queue;
    private volatile bool _stopping;

    /// <summary>The queue actor once the node has started; null before.</summary>
    public IActorRef? Queue => _queue;

    /// <summary>True from <see cref="Started"/> until <see cref="Stopping"/>.</summary>
    public bool IsReady => _queue is not null && !_stopping;

    /// <summary>The node has started; its queue answers operator commands.</summary>
    public void Started(IActorRef queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
    }

    /// <summary>The node is shutting down: no longer ready, whatever happens next.</summary>
    public void Stopping() => _stopping = true;
}
