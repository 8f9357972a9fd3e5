using Akka.Actor;
using Akka.Event;
using Mta.Core.Queue;
using Mta.Core.Routing;
using Mta.Core.Spool;
using Mta.Tls.Policy;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Delivery;

/// <summary>What every delivery actor of a node shares.</summary>
public sealed record DeliveryContext(SmtpConnector Connector, SpoolStore Spool, int ConcurrencyLimit, TimeSpan ConnectionCacheTime, int ReuseLimit, TimeSpan DeadDestinationBackoff, TimeProvider Clock);

/// <summary>
/// Delivers to one nexthop. It owns that destination's concurrency window (slow start, shrinking
/// on failure, "dead" for a while when every connection fails), a cache of idle connections that
/// carry the next messages, and the queue of recipients waiting for a connection. Recipients of
/// one message waiting together go in one transaction. All socket work runs in tasks whose results
/// come back as messages; the actor itself never waits.
/// The nexthop part of the TLS policy is resolved once per delivery request, for every host of the
/// nexthop (a malformed table entry defers the mail at once); the connector adds the host part per
/// MX host. An idle connection carries the next message only while a new one to its host would be
/// opened with the same policy, client certificate and verification result.
/// </summary>
public sealed class DeliveryActor : ReceiveActor, IWithTimers
{
    private readonly NextHop _hop;
    private readonly DeliveryContext _context;
    private readonly ConcurrencyWindow _window;
    private readonly LinkedList<Job> _pending = new();
    private readonly Dictionary<int, Idle> _idle = new();
    private int _busy;
    private int _nextConnectionId;
    private DateTimeOffset _deadUntil;
    private string _deadReason = string.Empty;
    private SitePolicy _tlsPolicy;
    private string? _reportedTlsProblem;

    /// <summary>Creates the actor for <paramref name="hop"/>.</summary>
    public DeliveryActor(NextHop hop, DeliveryContext context)
    {
        _hop = hop;
        _context = context;
        _window = new ConcurrencyWindow(context.ConcurrencyLimit);
        _tlsPolicy = context.Connector.Tls.Policies.ResolveNexthop(hop.Name);

        Receive<DeliverRecipients>(OnDeliver);
        Receive<JobDone>(OnJobDone);
        Receive<ReviveDestinations>(_ =>
        {
            _window.Revive();
            _deadUntil = DateTimeOffset.MinValue;
        });
        Receive<IdleExpired>(expired =>
        {
            if (_idle.Remove(expired.ConnectionId, out var idle)) _ = CloseAsync(idle.Connection);
        });
    }

    /// <summary>Props for the actor.</summary>
    public static Props Props(NextHop hop, DeliveryContext context) => Akka.Actor.Props.Create<DeliveryActor>(hop, context);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private void OnDeliver(DeliverRecipients request)
    {
        // Cheap (the tables are parsed once per change), and a corrected table applies at the next request.
        _tlsPolicy = _context.Connector.Tls.Policies.ResolveNexthop(_hop.Name);
        var nexthopTls = TlsDecision.ForNexthop(_tlsPolicy);
        if (nexthopTls.IsFailure)
        {
            if (nexthopTls.LogDetail != _reportedTlsProblem)
            {
                Context.GetLogger().Warning("TLS policy for {0}: {1}", _hop.Name, nexthopTls.LogDetail);
                _reportedTlsProblem = nexthopTls.LogDetail;
            }
            foreach (var outcome in DeliveryOutcomes.ForAll(request.Envelope.QueueId, request.Indexes, request.Attempt, false, nexthopTls.Dsn!, _hop.Name,
                         nexthopTls.Reason!, "none (TLS policy unusable)"))
                Sender.Tell(outcome);
            return;
        }
        var now = _context.Clock.GetUtcNow();
        if (_window.IsDead && now < _deadUntil)
        {
            foreach (var outcome in DeliveryOutcomes.ForAll(request.Envelope.QueueId, request.Indexes, request.Attempt, false, "4.4.1", _hop.Name,
                         $"delivery temporarily suspended: {_deadReason}"))
                Sender.Tell(outcome);
            return;
        }
        if (_window.IsDead) _window.Revive();
        _pending.AddLast(new Job(request.Envelope, request.Indexes.ToList(), Sender, request.Attempt));
        Pump();
    }

    private void Pump()
    {
        while (_pending.First is { } first)
        {
            var reusable = TakeReusableIdle();
            if (reusable is null && _busy >= _window.Current) return;
            _pending.RemoveFirst();
            var job = first.Value;
            _busy++;
            // The policy is handed over: the task must not read the actor's fields once it runs on its own.
            if (reusable is var (id, idle))
                RunGuardedAsync(job, _tlsPolicy, idle.Connection, idle.Tls, id, idle.Sent).PipeTo(Self);
            else
                RunGuardedAsync(job, _tlsPolicy, null, null, ++_nextConnectionId, 0).PipeTo(Self);
        }
    }

    /// <summary>An idle connection opened under the policy that applies now; idle ones opened under another are closed.</summary>
    private (int Id, Idle Idle)? TakeReusableIdle()
    {
        foreach (var (id, idle) in _idle.ToList())
        {
            _idle.Remove(id);
            Timers.Cancel(id);
            if (_context.Connector.MayReuse(_tlsPolicy, idle.Tls)) return (id, idle);
            _ = CloseAsync(idle.Connection);
        }
        return null;
    }

    /// <summary>
    /// <see cref="RunAsync"/>, with every failure it did not foresee (a body that cannot be read
    /// from the spool, a bug) turned into a deferral: the agent must answer for every recipient it
    /// took and give back its connection slot, whatever happened.
    /// </summary>
    private async Task<JobDone> RunGuardedAsync(Job job, SitePolicy tlsPolicy, SmtpClientConnection? connection, ConnectionTls? tls, int connectionId, int sent)
    {
        try
        {
            return await RunAsync(job, tlsPolicy, connection, tls, connectionId, sent).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever the failure, the recipients get an outcome (deferred) rather than waiting for the attempt deadline.
            // A local error says nothing about the destination: the window neither grows nor shrinks.
            return new JobDone(job, DeliveryOutcomes.ForAll(job.Envelope.QueueId, job.Indexes, job.Attempt, false, "4.3.0", _hop.Name,
                $"local error while delivering, retrying later: {e.GetType().Name}: {e.Message}").ToList(), null, null, connectionId, sent,
                ConnectionFailed: false, LocalError: true);
        }
    }

    private async Task<JobDone> RunAsync(Job job, SitePolicy tlsPolicy, SmtpClientConnection? connection, ConnectionTls? tls, int connectionId, int sent)
    {
        var queueId = job.Envelope.QueueId;
        if (connection is null || tls is null)
        {
            var connected = await _context.Connector.ConnectAsync(_hop, tlsPolicy, job.Envelope.Arrival, CancellationToken.None).ConfigureAwait(false);
            if (connected.Connection is null || connected.Tls is null)
                return new JobDone(job, DeliveryOutcomes.ForAll(queueId, job.Indexes, job.Attempt, connected.Permanent, connected.Dsn, _hop.Name, connected.Reason, connected.TlsSummary).ToList(),
                    null, null, connectionId, sent, ConnectionFailed: !connected.Permanent);
            connection = connected.Connection;
            tls = connected.Tls;
        }
        else if (!await connection.ResetAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // The cached connection went stale: start over on a fresh one.
            await CloseAsync(connection).ConfigureAwait(false);
            return await RunAsync(job, tlsPolicy, null, null, connectionId, 0).ConfigureAwait(false);
        }
        TransactionResult result;
        List<DeliveryOutcome> outcomes;
        try
        {
            result = await connection.SendAsync(job.Envelope, job.Indexes, () => _context.Spool.OpenRead(job.Envelope.Body), CancellationToken.None).ConfigureAwait(false);
            outcomes = result.Recipients.Select(r => DeliveryOutcomes.FromReply(queueId, r.Index, job.Attempt, r.Reply, connection.PeerName, tls.Summary, connection.Capabilities.Dsn)).ToList();
        }
        catch (Exception e) when (e is not SmtpClientException)
        {
            // The connection is in an unknown state (perhaps inside DATA): it is not used again.
            await CloseAsync(connection).ConfigureAwait(false);
            throw;
        }
        catch (SmtpClientException e)
        {
            await CloseAsync(connection).ConfigureAwait(false);
            var reason = e.AfterDataDot
                ? $"lost connection with {connection.PeerName} while sending end of data -- message may be sent more than once: {e.Message}"
                : e.Message;
            return new JobDone(job, DeliveryOutcomes.ForAll(queueId, job.Indexes, job.Attempt, false, "4.4.2", connection.PeerName, reason, tls.Summary).ToList(),
                null, null, connectionId, sent, ConnectionFailed: true);
        }

        // The server has spoken for every recipient: what happens to the connection now cannot change that.
        if (result.ConnectionUsable) return new JobDone(job, outcomes, connection, tls, connectionId, sent + 1, false);
        await CloseAsync(connection).ConfigureAwait(false);
        return new JobDone(job, outcomes, null, tls, connectionId, sent + 1, false);
    }

    private void OnJobDone(JobDone done)
    {
        _busy--;
        foreach (var outcome in done.Outcomes) done.Job.ReplyTo.Tell(outcome);
        if (done.ConnectionFailed)
        {
            _window.Failure(_busy);
            if (_window.IsDead)
            {
                _deadUntil = _context.Clock.GetUtcNow() + _context.DeadDestinationBackoff;
                _deadReason = done.Outcomes.Count > 0 ? done.Outcomes[0].Detail : "connection failed";
                // Everything waiting for this destination is deferred now rather than tried one by one.
                while (_pending.First is { } waiting)
                {
                    _pending.RemoveFirst();
                    foreach (var outcome in DeliveryOutcomes.ForAll(waiting.Value.Envelope.QueueId, waiting.Value.Indexes, waiting.Value.Attempt, false, "4.4.1", _hop.Name,
                                 $"delivery temporarily suspended: {_deadReason}"))
                        waiting.Value.ReplyTo.Tell(outcome);
                }
            }
        }
        else if (!done.LocalError)
        {
            _window.Success();
        }
        if (done.Connection is { } connection && done.Tls is { } tls)
        {
            var reuseLimit = _context.ReuseLimit;
            if ((reuseLimit > 0 && done.Sent >= reuseLimit) || _context.ConnectionCacheTime <= TimeSpan.Zero)
            {
                _ = QuitAsync(connection);
            }
            else
            {
                _idle[done.ConnectionId] = new Idle(connection, tls, done.Sent);
                Timers.StartSingleTimer(done.ConnectionId, new IdleExpired(done.ConnectionId), _context.ConnectionCacheTime);
            }
        }
        Pump();
    }

    private static async Task QuitAsync(SmtpClientConnection connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await connection.QuitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpClientException or OperationCanceledException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            // Closing anyway.
        }
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // Already gone; there is nothing left to release.
        }
    }

    private static Task CloseAsync(SmtpClientConnection connection) => QuitAsync(connection);

    /// <inheritdoc />
    protected override void PostStop()
    {
        foreach (var idle in _idle.Values) _ = CloseAsync(idle.Connection);
        _idle.Clear();
        base.PostStop();
    }

    private sealed record Job(MessageEnvelope Envelope, List<int> Indexes, IActorRef ReplyTo, long Attempt);

    private sealed record Idle(SmtpClientConnection Connection, ConnectionTls Tls, int Sent);

    private sealed record JobDone(
        Job Job, IReadOnlyList<DeliveryOutcome> Outcomes, SmtpClientConnection? Connection, ConnectionTls? Tls, int ConnectionId, int Sent, bool ConnectionFailed,
        bool LocalError = false);

    private sealed record IdleExpired(int ConnectionId);
}
