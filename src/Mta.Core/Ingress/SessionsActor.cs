using Akka.Actor;

namespace Mta.Core.Ingress;

/// <summary>
/// Parent of the session actors. A session that fails is stopped, not restarted (its state
/// cannot be rebuilt mid-conversation), and its connection is aborted so the pump does not wait
/// for instructions that will never come.
/// </summary>
public sealed class SessionsActor : ReceiveActor
{
    private readonly Dictionary<IActorRef, SmtpConnection> _connections = new();

    /// <summary>Creates the parent.</summary>
    public SessionsActor(SessionContext context)
    {
        Receive<StartSession>(start =>
        {
            var session = Context.ActorOf(Akka.Actor.Props.Create<SessionActor>(start.Connection, context));
            Context.Watch(session);
            _connections[session] = start.Connection;
            _ = start.Connection.RunAsync(session);
        });
        Receive<Terminated>(terminated =>
        {
            if (_connections.Remove(terminated.ActorRef, out var connection)) connection.Abort();
        });
    }

    /// <summary>Props for the parent.</summary>
    public static Props Props(SessionContext context) => Akka.Actor.Props.Create(() => new SessionsActor(context));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Start a session for an accepted connection.</summary>
    public sealed record StartSession(SmtpConnection Connection);
}
