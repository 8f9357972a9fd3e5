using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Core.Spool;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Queue;

/// <summary>
/// The only writer of queue state. Journals what happens to each message (queued, then per
/// recipient delivered, deferred or bounced), hands recipients to the delivery agent, retries
/// deferred ones when due and answers the sessions whose messages it queued. Journal writes are
/// asynchronous and batched by Akka.Persistence: every event persisted while a write is in
/// flight goes into the next write, so one journal commit covers many messages.
/// </summary>
public sealed class QueueActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>The journal's persistence id for a node's queue.</summary>
    public const string DefaultPersistenceId = "mta-queue";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An attempt that has not reported after this long is taken as lost (its delivery agent
    /// failed) and its recipients are deferred, so no message waits for an answer that will not come.
    /// Longer than any SMTP client stage timeout (Postfix's smtp_data_done_timeout is 600s).
    /// </summary>
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(30);

    private readonly SpoolStore _spool;
    private readonly QueueSettings _settings;
    private readonly TimeProvider _clock;
    private readonly IActorRef _delivery;
    private readonly IActorRef _bounces;
    private readonly ILogger _log;
    private readonly Dictionary<string, QueueEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnqueueRequest> _pendingCommits = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(string QueueId, int Index), long> _due = new();
    private readonly Queue<string> _waiting = new();
    private readonly Dictionary<string, QueueEntry> _deletedInFlight = new(StringComparer.Ordinal);

    // What the retry tick looks at, instead of every entry: messages with attempts out (at most
    // the active limit) for their deadline, and finished messages whose notice could not be queued.
    private readonly HashSet<QueueEntry> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _owingNotices = new(StringComparer.Ordinal);
    private int _active;
    private long _lastAttempt;
    private int _eventsSinceSnapshot;
    private bool _snapshotInProgress;

    /// <summary>Creates the queue actor.</summary>
    public QueueActor(string persistenceId, SpoolStore spool, QueueSettings settings, TimeProvider clock, IActorRef delivery, ILogger logger, IActorRef? bounces = null)
    {
        _log = logger;
        _bounces = bounces ?? ActorRefs.Nobody;
        PersistenceId = persistenceId;
        _spool = spool;
        _settings = settings;
        _clock = clock;
        _delivery = delivery;

        Recover<SnapshotOffer>(offer => LoadSnapshot((QueueSnapshot)offer.Snapshot));
        Recover<IQueueEvent>(e => Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<CommitBatch>(OnCommitBatch);
        Command<CommitFailed>(OnCommitFailed);
        Command<DeliveryOutcome>(OnDeliveryOutcome);
        Command<RetryTick>(_ => DispatchDue());
        Command<NoticeQueued>(OnNoticeQueued);
        Command<NoticeFailed>(failed =>
        {
            if (!_entries.TryGetValue(failed.OriginalQueueId, out var entry)) return;
            entry.NoticesRequested.Remove(failed.Kind);
            // A finished message asks again on the next tick; an unfinished one when it finishes.
            if (entry.IsComplete) _owingNotices.Add(failed.OriginalQueueId);
            QueueLog.NoticeFailed(_log, failed.OriginalQueueId, failed.Reason);
        });
        Command<ListMessages>(_ => Sender.Tell(new QueueListing(_entries.Values.Select(View).ToList())));
        Command<ShowMessage>(show => Sender.Tell(new QueueListing(_entries.TryGetValue(show.QueueId, out var entry) ? [View(entry)] : [])));
        Command<DeleteMessage>(delete => Administer(delete.QueueId, new MessageDeleted(delete.QueueId), "deleted"));
        Command<HoldMessage>(hold => Administer(hold.QueueId, new MessageHeld(hold.QueueId), "placed on hold"));
        Command<ReleaseMessage>(release => Administer(release.QueueId, new MessageReleased(release.QueueId), "released from hold"));
        Command<FlushQueue>(_ => Flush());
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f =>
        {
            _snapshotInProgress = false;
            QueueLog.SnapshotFailed(_log, f.Cause);
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => QueueLog.TrimFailed(_log, f.Cause, $"events up to {f.ToSequenceNr}"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => QueueLog.TrimFailed(_log, f.Cause, "old snapshots"));
    }

    /// <summary>Props for the queue actor.</summary>
    public static Props Props(string persistenceId, SpoolStore spool, QueueSettings settings, TimeProvider clock, IActorRef delivery, ILogger logger, IActorRef? bounces = null) =>
        Akka.Actor.Props.Create(() => new QueueActor(persistenceId, spool, settings, clock, delivery, logger, bounces));

    /// <inheritdoc />
    public override string PersistenceId { get; }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private void OnRecovered()
    {
        var live = new Dictionary<long, int>();
        foreach (var entry in _entries.Values)
        {
            foreach (var segment in entry.Envelope.Body.Segments())
                live[segment] = live.GetValueOrDefault(segment) + 1;
        }
        _spool.Recover(live);
        var pending = 0;
        foreach (var entry in _entries.Values)
        {
            for (var i = 0; i < entry.Progress.Length; i++)
            {
                var progress = entry.Progress[i];
                if (progress.Status == RecipientStatus.Deferred)
                    _due.Enqueue((entry.Envelope.QueueId, i), progress.NextAttemptUnixMs);
            }
            if (entry.IsComplete) RequestCompletionNotices(entry);
            else if (Dispatch(entry, replayed: true)) pending++;
        }
        QueueLog.Recovered(_log, _entries.Count, pending);
        Timers.StartPeriodicTimer("retry", RetryTick.Instance, RetryInterval);
    }

    private void OnCommitBatch(CommitBatch batch)
    {
        MtaMetrics.CommitBatchSize.Record(batch.Requests.Count);
        var events = new MessageQueued[batch.Requests.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var request = batch.Requests[i];
            events[i] = new MessageQueued(request.Envelope);
            _pendingCommits[request.Envelope.QueueId] = request;
        }
        PersistAllAsync(events, queued =>
        {
            if (!_pendingCommits.Remove(queued.QueueId, out var request)) return;
            Apply(queued);
            // Counted before the writer lets go, so the segment cannot be removed in between.
            _spool.Retain(queued.Envelope.Body);
            request.Writer.Finish();
            request.ReplyTo.Tell(new Enqueued(queued.QueueId));
            QueueLog.Queued(_log, queued.QueueId, queued.Envelope.Sender, queued.Envelope.Body.Length, queued.Envelope.Recipients.Length);
            AfterPersist();
            Dispatch(_entries[queued.QueueId], replayed: false);
        });
    }

    private void OnCommitFailed(CommitFailed failed)
    {
        foreach (var request in failed.Requests)
        {
            request.Writer.Finish();
            request.ReplyTo.Tell(new EnqueueFailed(request.Envelope.QueueId, failed.Reason));
        }
    }

    private void OnDeliveryOutcome(DeliveryOutcome outcome)
    {
        if (!_entries.TryGetValue(outcome.QueueId, out var entry))
        {
            // Deleted by an operator while this attempt ran: its body can go once no attempt reads it.
            if (_deletedInFlight.TryGetValue(outcome.QueueId, out var deleted))
            {
                EndAttempt(deleted, outcome.Index);
                if (deleted.InFlight == 0)
                {
                    _deletedInFlight.Remove(outcome.QueueId);
                    _spool.Release(deleted.Envelope.Body);
                }
                DispatchWaiting();
            }
            return;
        }
        var envelope = entry.Envelope;
        var now = _clock.GetUtcNow();
        var progress = entry.Progress[outcome.Index];
        if (outcome.Attempt != 0 && progress.InFlight && outcome.Attempt != progress.CurrentAttempt)
        {
            // An attempt given up at its deadline answered after the recipient was handed out again:
            // the attempt now running will answer for it.
            QueueLog.LateOutcome(_log, outcome.QueueId, envelope.Recipients[outcome.Index].Address, outcome.Detail);
            return;
        }
        IQueueEvent e = outcome.Result switch
        {
            DeliveryResult.Delivered => new RecipientDelivered(outcome.QueueId, outcome.Index, outcome.Detail, outcome.Relay),
            DeliveryResult.Relayed => new RecipientRelayed(outcome.QueueId, outcome.Index, outcome.Detail, outcome.Relay),
            DeliveryResult.Bounced => new RecipientBounced(outcome.QueueId, outcome.Index, outcome.Detail, outcome.Dsn, outcome.Relay),
            _ when RetrySchedule.HasExpired(envelope.Arrival, now, _settings.MaximalQueueLifetime) =>
                new RecipientBounced(outcome.QueueId, outcome.Index, $"message too old, last error: {outcome.Detail}", "4.4.7", outcome.Relay),
            _ => new RecipientDeferred(outcome.QueueId, outcome.Index,
                (now + RetrySchedule.Backoff(progress.Attempts + 1, _settings.MinimalBackoffTime, _settings.MaximalBackoffTime, Random.Shared.NextDouble())).ToUnixTimeMilliseconds(),
                outcome.Detail, outcome.Dsn, outcome.Relay),
        };
        var status = e switch
        {
            RecipientDelivered or RecipientRelayed => "sent",
            RecipientBounced => "bounced",
            _ => "deferred",
        };
        MtaMetrics.DeliveryAttempts.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("relay", outcome.Relay == "local" ? "local" : "smtp"));
        QueueLog.Attempt(_log, outcome.QueueId, envelope.Recipients[outcome.Index].Address, outcome.Relay,
            Math.Round((now - envelope.Arrival).TotalSeconds, 2), outcome.Dsn, status, outcome.Detail);

        PersistAsync(e, persisted =>
        {
            EndAttempt(entry, outcome.Index);
            var completed = Apply(persisted);
            if (persisted is RecipientDeferred deferred)
                _due.Enqueue((deferred.QueueId, deferred.Index), deferred.NextAttemptUnixMs);
            if (completed)
            {
                _spool.Release(envelope.Body);
                QueueLog.Removed(_log, outcome.QueueId);
            }
            else if (entry.IsComplete)
            {
                RequestCompletionNotices(entry);
            }
            else if (persisted is RecipientDeferred && DelayWarningDue(entry, now))
            {
                RequestNotice(entry, Bounce.DsnKind.Delay);
            }
            AfterPersist();
            DispatchWaiting();
        });
    }

    private void OnNoticeQueued(NoticeQueued queued)
    {
        if (!_entries.TryGetValue(queued.OriginalQueueId, out var entry)) return;
        PersistAsync(new NoticeSent(queued.OriginalQueueId, queued.NoticeQueueId, queued.Kind), persisted =>
        {
            QueueLog.NoticeQueued(_log, persisted.QueueId, persisted.Kind.ToString().ToLowerInvariant(), persisted.NoticeQueueId);
            if (Apply(persisted))
            {
                _spool.Release(entry.Envelope.Body);
                QueueLog.Removed(_log, persisted.QueueId);
            }
            AfterPersist();
        });
    }

    private void Administer(string queueId, IQueueEvent e, string done)
    {
        var replyTo = Sender;
        if (!_entries.TryGetValue(queueId, out var entry))
        {
            replyTo.Tell(new AdminResult(false, $"{queueId}: no such message in the queue"));
            return;
        }
        Persist(e, persisted =>
        {
            var removed = Apply(persisted);
            switch (persisted)
            {
                case MessageDeleted when removed && entry.InFlight > 0:
                    _deletedInFlight[queueId] = entry;
                    break;
                case MessageDeleted when removed:
                    _spool.Release(entry.Envelope.Body);
                    break;
                case MessageReleased:
                    for (var i = 0; i < entry.Progress.Length; i++)
                        if (entry.Progress[i].Status == RecipientStatus.Deferred)
                            _due.Enqueue((queueId, i), entry.Progress[i].NextAttemptUnixMs);
                    Dispatch(entry, replayed: true);
                    break;
            }
            QueueLog.Administered(_log, queueId, done);
            AfterPersist();
            replyTo.Tell(new AdminResult(true, $"{queueId}: {done}"));
        });
    }

    private void Flush()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var count = 0;
        foreach (var entry in _entries.Values)
        {
            if (entry.Held) continue;
            for (var i = 0; i < entry.Progress.Length; i++)
            {
                var progress = entry.Progress[i];
                if (progress.Status != RecipientStatus.Deferred) continue;
                progress.NextAttemptUnixMs = now;
                _due.Enqueue((entry.Envelope.QueueId, i), now);
                count++;
            }
        }
        // Before the flushed mail: the agents hear this first, so a destination marked dead is tried again.
        _delivery.Tell(ReviveDestinations.Instance);
        DispatchDue();
        Sender.Tell(new AdminResult(true, $"{count} deferred recipients scheduled for delivery now"));
    }

    private static MessageView View(QueueEntry entry)
    {
        var envelope = entry.Envelope;
        var recipients = new RecipientView[envelope.Recipients.Length];
        for (var i = 0; i < recipients.Length; i++)
        {
            var progress = entry.Progress[i];
            recipients[i] = new RecipientView(envelope.Recipients[i].Address, progress.Status, progress.Attempts,
                progress.Status == RecipientStatus.Deferred ? DateTimeOffset.FromUnixTimeMilliseconds(progress.NextAttemptUnixMs) : null,
                progress.LastError);
        }
        return new MessageView(envelope.QueueId, envelope.Body.Length, envelope.Arrival, envelope.Sender, entry.Held, recipients);
    }

    /// <summary>Applies an event to the state; true when the event completed its message and the message left the queue.</summary>
    private bool Apply(IQueueEvent e)
    {
        switch (e)
        {
            case MessageQueued queued:
                var progress = new RecipientProgress[queued.Envelope.Recipients.Length];
                for (var i = 0; i < progress.Length; i++) progress[i] = new RecipientProgress();
                _entries[queued.QueueId] = new QueueEntry(queued.Envelope, progress);
                return false;
            case RecipientDelivered delivered:
                return Update(delivered.QueueId, delivered.Index, RecipientStatus.Delivered, 0, null, null, delivered.Relay);
            case RecipientRelayed relayed:
                // The next hop's reply is kept: the "relayed" notice quotes it.
                return Update(relayed.QueueId, relayed.Index, RecipientStatus.Relayed, 0, relayed.Detail, null, relayed.Relay);
            case RecipientDeferred deferred:
                return Update(deferred.QueueId, deferred.Index, RecipientStatus.Deferred, deferred.NextAttemptUnixMs, deferred.Reason, deferred.Dsn, deferred.Relay);
            case RecipientBounced bounced:
                return Update(bounced.QueueId, bounced.Index, RecipientStatus.Bounced, 0, bounced.Reason, bounced.Dsn, bounced.Relay);
            case NoticeSent notice:
                if (!_entries.TryGetValue(notice.QueueId, out var noticed)) return false;
                noticed.NoticesSent.Add(notice.Kind);
                noticed.NoticesRequested.Remove(notice.Kind);
                return noticed.IsComplete && PendingCompletionNotices(noticed).Count == 0 && _entries.Remove(notice.QueueId);
            case MessageHeld held:
                if (_entries.TryGetValue(held.QueueId, out var toHold)) toHold.Held = true;
                return false;
            case MessageReleased released:
                if (_entries.TryGetValue(released.QueueId, out var toRelease)) toRelease.Held = false;
                return false;
            case MessageDeleted deleted:
                return _entries.Remove(deleted.QueueId);
            default:
                return false;
        }
    }

    private bool Update(string queueId, int index, RecipientStatus status, long nextAttempt, string? error, string? dsn, string? relay)
    {
        if (!_entries.TryGetValue(queueId, out var entry) || index >= entry.Progress.Length) return false;
        var progress = entry.Progress[index];
        progress.Status = status;
        progress.Attempts++;
        progress.NextAttemptUnixMs = nextAttempt;
        if (error is not null) progress.LastError = error;
        if (dsn is not null) progress.LastDsn = dsn;
        if (relay is not null) progress.LastRelay = relay;
        if (!entry.IsComplete) return false;
        // A message whose sender is owed a notification stays until the notification is queued.
        if (PendingCompletionNotices(entry).Count > 0) return false;
        _entries.Remove(queueId);
        return true;
    }

    /// <summary>
    /// The notifications a finished message still owes its sender: a failure notice when some
    /// recipient failed and did not refuse failure notices (NOTIFY), a success notice when a
    /// recipient delivered here asked for one (NOTIFY=SUCCESS). Never for the null sender: a
    /// bounce is never bounced.
    /// </summary>
    private static List<Bounce.DsnKind> PendingCompletionNotices(QueueEntry entry)
    {
        var pending = new List<Bounce.DsnKind>(2);
        if (!Bounce.DsnPolicy.ShouldBounce(entry.Envelope.Sender)) return pending;
        foreach (var kind in (ReadOnlySpan<Bounce.DsnKind>)[Bounce.DsnKind.Failure, Bounce.DsnKind.Success])
            if (!entry.NoticesSent.Contains(kind) && NoticeRecipients(entry, kind).Any()) pending.Add(kind);
        return pending;
    }

    /// <summary>The recipients a notice of <paramref name="kind"/> reports.</summary>
    private static IEnumerable<int> NoticeRecipients(QueueEntry entry, Bounce.DsnKind kind)
    {
        for (var i = 0; i < entry.Progress.Length; i++)
        {
            var progress = entry.Progress[i];
            var wanted = kind switch
            {
                Bounce.DsnKind.Failure => progress.Status == RecipientStatus.Bounced,
                Bounce.DsnKind.Delay => progress.Status == RecipientStatus.Deferred,
                // Mail relayed to a server that speaks DSN is reported by that server: here local
                // delivery, and mail handed to a server that does not speak DSN ("relayed").
                _ => progress.Status == RecipientStatus.Relayed || (progress.Status == RecipientStatus.Delivered && progress.LastRelay == "local"),
            };
            if (wanted && Bounce.DsnPolicy.ShouldNotify(entry.Envelope.Recipients[i].Notify, kind, delayWarningsEnabled: true)) yield return i;
        }
    }

    private bool DelayWarningDue(QueueEntry entry, DateTimeOffset now) =>
        Bounce.DsnPolicy.ShouldBounce(entry.Envelope.Sender)
        && Bounce.DsnPolicy.DelayWarningDue(entry.Envelope.Arrival, now, _settings.DelayWarningTime, entry.NoticesSent.Contains(Bounce.DsnKind.Delay))
        && NoticeRecipients(entry, Bounce.DsnKind.Delay).Any();

    private void RequestCompletionNotices(QueueEntry entry)
    {
        foreach (var kind in PendingCompletionNotices(entry)) RequestNotice(entry, kind);
    }

    /// <summary>
    /// The Diagnostic-Code of a recipient's notice: the last error for failures and delays, the next
    /// hop's acceptance for a "relayed" success (without the TLS facts appended to it), none for local delivery.
    /// </summary>
    private static string? Diagnostic(Bounce.DsnKind kind, RecipientProgress progress, string? relay)
    {
        if (progress.LastError is not { } text) return null;
        if (kind == Bounce.DsnKind.Success)
        {
            if (progress.Status != RecipientStatus.Relayed) return null;
            var tls = text.IndexOf("; tls=", StringComparison.Ordinal);
            return "smtp; " + (tls >= 0 ? text[..tls] : text);
        }
        return (relay is null ? "X-Mta; " : "smtp; ") + text;
    }

    private void RequestNotice(QueueEntry entry, Bounce.DsnKind kind)
    {
        if (_bounces.IsNobody() || !entry.NoticesRequested.Add(kind)) return;
        var envelope = entry.Envelope;
        var now = _clock.GetUtcNow();
        var recipients = new List<Bounce.DsnRecipient>();
        foreach (var i in NoticeRecipients(entry, kind))
        {
            var progress = entry.Progress[i];
            var recipient = envelope.Recipients[i];
            var relay = progress.LastRelay is null or "none" or "local" ? null : progress.LastRelay;
            var (action, status) = kind switch
            {
                Bounce.DsnKind.Failure => (Bounce.DsnAction.Failed, progress.LastDsn ?? "5.0.0"),
                Bounce.DsnKind.Delay => (Bounce.DsnAction.Delayed, progress.LastDsn ?? "4.0.0"),
                _ when progress.Status == RecipientStatus.Relayed => (Bounce.DsnAction.Relayed, "2.0.0"),
                _ => (Bounce.DsnAction.Delivered, "2.0.0"),
            };
            recipients.Add(new Bounce.DsnRecipient(recipient.Address, recipient.OriginalRecipient, action, status,
                relay is null ? null : HostOf(relay),
                Diagnostic(kind, progress, relay),
                now, kind == Bounce.DsnKind.Delay ? envelope.Arrival + _settings.MaximalQueueLifetime : null));
        }
        _bounces.Tell(new SendNotice(envelope, recipients, kind));
    }

    private static string HostOf(string relay)
    {
        var bracket = relay.IndexOf('[');
        return bracket > 0 ? relay[..bracket] : relay;
    }

    /// <summary>Sends every recipient that is waiting for its first attempt; true if any was sent or queued for a slot.</summary>
    private bool Dispatch(QueueEntry entry, bool replayed)
    {
        if (entry.Held) return false;
        List<int>? indexes = null;
        for (var i = 0; i < entry.Progress.Length; i++)
        {
            // A recipient in flight (a release or a wait for a slot while its attempt runs) is not sent twice.
            if (entry.Progress[i].Status != RecipientStatus.Pending || entry.Progress[i].InFlight) continue;
            if (indexes is null && entry.InFlight == 0 && _active >= _settings.ActiveLimit)
            {
                _waiting.Enqueue(entry.Envelope.QueueId);
                return true;
            }
            (indexes ??= new List<int>(entry.Progress.Length)).Add(i);
        }
        if (indexes is null) return false;
        StartAttempts(entry, indexes, replayed);
        return true;
    }

    private void DispatchDue()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_owingNotices.Count > 0)
        {
            var owing = _owingNotices.ToArray();
            _owingNotices.Clear();
            foreach (var queueId in owing)
                if (_entries.TryGetValue(queueId, out var finished) && finished.IsComplete) RequestCompletionNotices(finished);
        }
        List<QueueEntry>? overdue = null;
        foreach (var attempted in _inFlight)
            if (attempted.AttemptDeadlineUnixMs <= now) (overdue ??= []).Add(attempted);
        foreach (var attempted in overdue ?? []) AbandonAttempts(attempted);
        while (_due.TryPeek(out var item, out var dueAt) && dueAt <= now)
        {
            if (_active >= _settings.ActiveLimit) return;
            _due.Dequeue();
            if (!_entries.TryGetValue(item.QueueId, out var entry)) continue;
            var progress = entry.Progress[item.Index];
            // Stale when the recipient was retried or finished since this entry was scheduled;
            // a held message is scheduled again when it is released.
            if (progress.Status != RecipientStatus.Deferred || progress.NextAttemptUnixMs != dueAt || entry.Held) continue;
            progress.Status = RecipientStatus.Pending;
            StartAttempts(entry, [item.Index], replayed: false);
        }
    }

    private void AbandonAttempts(QueueEntry entry)
    {
        entry.AttemptDeadlineUnixMs = long.MaxValue;
        for (var i = 0; i < entry.Progress.Length; i++)
        {
            if (entry.Progress[i].Status != RecipientStatus.Pending) continue;
            Self.Tell(new DeliveryOutcome(entry.Envelope.QueueId, i, DeliveryResult.Deferred, "4.4.0", "none",
                $"the delivery attempt did not report back within {AttemptTimeout.TotalMinutes:0} minutes; retrying later", entry.Progress[i].CurrentAttempt));
        }
    }

    private void DispatchWaiting()
    {
        while (_active < _settings.ActiveLimit && _waiting.TryDequeue(out var queueId))
        {
            if (_entries.TryGetValue(queueId, out var entry)) Dispatch(entry, replayed: true);
        }
    }

    private void StartAttempts(QueueEntry entry, IReadOnlyList<int> indexes, bool replayed)
    {
        if (entry.InFlight == 0)
        {
            _active++;
            _inFlight.Add(entry);
        }
        entry.InFlight += indexes.Count;
        var attempt = ++_lastAttempt;
        foreach (var index in indexes)
        {
            entry.Progress[index].InFlight = true;
            entry.Progress[index].CurrentAttempt = attempt;
        }
        entry.AttemptDeadlineUnixMs = (_clock.GetUtcNow() + AttemptTimeout).ToUnixTimeMilliseconds();
        _delivery.Tell(new DeliverRecipients(entry.Envelope, indexes, replayed, attempt));
    }

    /// <summary>The attempt for one recipient reported; an outcome for a recipient not in flight (a late one, after its attempt was abandoned) ends nothing.</summary>
    private void EndAttempt(QueueEntry entry, int index)
    {
        if (index >= entry.Progress.Length || !entry.Progress[index].InFlight) return;
        entry.Progress[index].InFlight = false;
        if (entry.InFlight > 0 && --entry.InFlight == 0)
        {
            _active--;
            _inFlight.Remove(entry);
        }
    }

    private void AfterPersist()
    {
        if (++_eventsSinceSnapshot < _settings.SnapshotEvery || _snapshotInProgress) return;
        _snapshotInProgress = true;
        _eventsSinceSnapshot = 0;
        var entries = new List<QueueSnapshotEntry>(_entries.Count);
        foreach (var entry in _entries.Values)
        {
            var progress = new RecipientProgress[entry.Progress.Length];
            for (var i = 0; i < progress.Length; i++) progress[i] = entry.Progress[i].Clone();
            entries.Add(new QueueSnapshotEntry(entry.Envelope, progress, entry.Held, entry.NoticesSent.ToArray()));
        }
        SaveSnapshot(new QueueSnapshot(entries));
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess success)
    {
        _snapshotInProgress = false;
        DeleteMessages(success.Metadata.SequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1));
    }

    private void LoadSnapshot(QueueSnapshot snapshot)
    {
        _entries.Clear();
        foreach (var entry in snapshot.Entries)
        {
            var loaded = new QueueEntry(entry.Envelope, entry.Progress) { Held = entry.Held };
            foreach (var kind in entry.NoticesSent ?? []) loaded.NoticesSent.Add(kind);
            _entries[entry.Envelope.QueueId] = loaded;
        }
    }

    /// <inheritdoc />
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        QueueLog.Rejected(_log, cause, @event.GetType().Name);
        if (@event is MessageQueued queued && _pendingCommits.Remove(queued.QueueId, out var request))
        {
            request.Writer.Finish();
            request.ReplyTo.Tell(new EnqueueFailed(queued.QueueId, "queue journal rejected the message"));
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        // Whatever was not journaled was never acknowledged: the sessions answer 451 and the
        // clients keep the mail.
        foreach (var request in _pendingCommits.Values)
        {
            request.Writer.Finish();
            request.ReplyTo.Tell(new EnqueueFailed(request.Envelope.QueueId, "queue journal unavailable"));
        }
        _pendingCommits.Clear();
        base.PostStop();
    }
}
