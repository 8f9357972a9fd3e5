using System.Buffers;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Configuration;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Tests.Queue;

public sealed class QueueActorSpec : TestKit
{
    private readonly string _data;
    private readonly SpoolStore _spool;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly QueueSettings _settings = new(ActiveLimit: 100, MinimalBackoffTime: TimeSpan.FromSeconds(300),
        MaximalBackoffTime: TimeSpan.FromSeconds(4000), MaximalQueueLifetime: TimeSpan.FromDays(5),
        BounceQueueLifetime: TimeSpan.FromDays(5), LocalDeliveryConcurrency: 4, SnapshotEvery: 1000);
    private int _ids;

    public QueueActorSpec() : this(NewDataDir()) { }

    // Journal writes wait for fsync; on a machine busy with other tests that can take seconds.
    private QueueActorSpec(string data) : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.test.single-expect-default = 15s").WithFallback(MtaNode.AkkaConfig(data)))
    {
        _data = data;
        _spool = new SpoolStore(Path.Combine(data, "spool"), 1 << 20, NullLogger.Instance);
    }

    private static string NewDataDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mta-test-" + Guid.NewGuid().ToString("N"));
        MtaNode.PrepareDataDirectory(dir);
        return dir;
    }

    private IActorRef StartQueue(IActorRef delivery, QueueSettings? settings = null, IActorRef? bounces = null) =>
        Sys.ActorOf(QueueActor.Props("queue-under-test", _spool, settings ?? _settings, _clock, delivery, NullLogger.Instance, bounces));

    private Task<EnqueueRequest> RequestAsync(params string[] recipients) => RequestAsync(DsnNotify.Unspecified, recipients);

    private async Task<EnqueueRequest> RequestAsync(DsnNotify notify, params string[] recipients)
    {
        var writer = _spool.CreateWriter();
        writer.Write("Subject: test\r\n\r\nbody\r\n"u8);
        var body = await writer.CompleteAsync();
        var envelope = new MessageEnvelope($"Q{++_ids:D12}", "sender@example.com", _clock.GetUtcNow().ToUnixTimeMilliseconds(), body,
            recipients.Select(r => new EnvelopeRecipient(r, notify, null)).ToArray(),
            BodyType.SevenBit, false, DsnReturn.Unspecified, null, "127.0.0.1", "client");
        return new EnqueueRequest(envelope, writer, TestActor);
    }

    /// <summary>Waits (bounded) until the queue holds no message: outcomes are journaled asynchronously.</summary>
    private void AwaitEmptyQueue(IActorRef queue) => AwaitAssert(() =>
    {
        queue.Tell(ListMessages.Instance);
        Assert.Empty(ExpectMsg<QueueListing>().Messages);
    }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    /// <summary>Waits (bounded) until <paramref name="queueId"/> has left the queue.</summary>
    private void AwaitGone(IActorRef queue, string queueId) => AwaitAssert(() =>
    {
        queue.Tell(new ShowMessage(queueId));
        Assert.Empty(ExpectMsg<QueueListing>().Messages);
    }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    /// <summary>The queue handles messages in order: once a later commit is answered, everything told before it was handled.</summary>
    private async Task SettleAsync(IActorRef queue, Akka.TestKit.TestProbe delivery)
    {
        queue.Tell(new CommitBatch([await RequestAsync("marker@localhost")]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public async Task Queue_should_journal_a_batch_and_answer_every_session()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var requests = new[] { await RequestAsync("a@localhost"), await RequestAsync("b@localhost"), await RequestAsync("c@localhost", "d@localhost") };
        queue.Tell(new CommitBatch(requests));
        var answered = ExpectMsgAllOf(requests.Select(r => new Enqueued(r.Envelope.QueueId)).ToArray());
        Assert.Equal(3, answered.Count);
        var sent = delivery.ReceiveN(3).Cast<DeliverRecipients>().ToList();
        Assert.All(sent, d => Assert.False(d.Replayed));
        Assert.Equal(["a@localhost", "b@localhost", "c@localhost", "d@localhost"],
            sent.SelectMany(d => d.Indexes.Select(i => d.Envelope.Recipients[i].Address)).Order());
    }

    [Fact]
    public async Task Queue_should_redeliver_after_restart()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@localhost");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        Stop(queue);

        var again = CreateTestProbe();
        StartQueue(again);
        var replay = again.ExpectMsg<DeliverRecipients>();
        Assert.True(replay.Replayed);
        Assert.Equal(request.Envelope.QueueId, replay.Envelope.QueueId);
    }

    [Fact]
    public async Task Queue_should_forget_a_delivered_message_and_release_its_spool_data()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@localhost");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "local", "ok"), delivery);
        // The outcome is journaled asynchronously; stop only once it has been written and applied.
        AwaitEmptyQueue(queue);
        Stop(queue);

        var again = CreateTestProbe();
        StartQueue(again);
        again.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Queue_should_retry_a_deferred_recipient_only_when_its_backoff_has_passed()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        queue.Tell(new CommitBatch([await RequestAsync("a@localhost")]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.3.0", "local", "disk full"), delivery);
        await SettleAsync(queue, delivery);

        _clock.Advance(TimeSpan.FromSeconds(260));
        queue.Tell(RetryTick.Instance);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        _clock.Advance(TimeSpan.FromSeconds(80));
        queue.Tell(RetryTick.Instance);
        var retry = delivery.ExpectMsg<DeliverRecipients>();
        Assert.Equal(attempt.Envelope.QueueId, retry.Envelope.QueueId);
    }

    [Fact]
    public async Task Queue_should_resume_the_same_retry_schedule_after_restart()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        queue.Tell(new CommitBatch([await RequestAsync("a@localhost")]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.3.0", "local", "try later"), delivery);
        // The deferral is journaled before the actor stops: a later message proves the write went through.
        queue.Tell(new CommitBatch([await RequestAsync("b@localhost")]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        Stop(queue);

        var again = CreateTestProbe();
        var restarted = StartQueue(again);
        var replayed = again.ExpectMsg<DeliverRecipients>();
        Assert.Equal("b@localhost", replayed.Envelope.Recipients[replayed.Indexes[0]].Address);
        restarted.Tell(RetryTick.Instance);
        again.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _clock.Advance(TimeSpan.FromSeconds(331));
        restarted.Tell(RetryTick.Instance);
        Assert.Equal(attempt.Envelope.QueueId, again.ExpectMsg<DeliverRecipients>().Envelope.QueueId);
    }

    [Fact]
    public async Task Queue_should_bounce_instead_of_retrying_a_message_past_its_lifetime()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        queue.Tell(new CommitBatch([await RequestAsync("a@localhost")]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        _clock.Advance(TimeSpan.FromDays(5));
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.3.0", "local", "still failing"), delivery);
        _clock.Advance(TimeSpan.FromHours(2));
        queue.Tell(RetryTick.Instance);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Queue_should_recover_from_a_snapshot_and_the_events_after_it()
    {
        var settings = _settings with { SnapshotEvery = 3 };
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery, settings);
        var requests = new List<EnqueueRequest>();
        for (var i = 0; i < 5; i++) requests.Add(await RequestAsync($"u{i}@localhost"));
        queue.Tell(new CommitBatch(requests));
        ReceiveN(5);
        var attempts = delivery.ReceiveN(5).Cast<DeliverRecipients>().ToList();
        foreach (var attempt in attempts.Take(2))
            queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "local", "ok"), delivery);
        queue.Tell(new CommitBatch([await RequestAsync("last@localhost")]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        Stop(queue);

        var again = CreateTestProbe();
        StartQueue(again, settings);
        var replayed = again.ReceiveN(4).Cast<DeliverRecipients>().Select(d => d.Envelope.Recipients[d.Indexes[0]].Address).Order().ToList();
        Assert.Equal(["last@localhost", "u2@localhost", "u3@localhost", "u4@localhost"], replayed);
    }

    [Fact]
    public async Task Queue_should_keep_no_more_messages_in_delivery_than_the_active_limit()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery, _settings with { ActiveLimit = 2 });
        var requests = new List<EnqueueRequest>();
        for (var i = 0; i < 4; i++) requests.Add(await RequestAsync($"u{i}@localhost"));
        queue.Tell(new CommitBatch(requests));
        ReceiveN(4);
        var first = delivery.ReceiveN(2).Cast<DeliverRecipients>().ToList();
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        queue.Tell(new DeliveryOutcome(first[0].Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "local", "ok"), delivery);
        delivery.ExpectMsg<DeliverRecipients>();
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Queue_should_refuse_every_message_of_a_batch_whose_spool_sync_failed()
    {
        var queue = StartQueue(CreateTestProbe());
        var requests = new[] { await RequestAsync("a@localhost"), await RequestAsync("b@localhost") };
        queue.Tell(new CommitFailed(requests, "No space left on device"));
        var failures = ReceiveN(2).Cast<EnqueueFailed>().ToList();
        Assert.All(failures, f => Assert.Equal("No space left on device", f.Reason));
    }

    [Fact]
    public async Task Held_message_should_wait_through_restarts_until_released()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@localhost");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.4.1", "none", "no route"), delivery);
        queue.Tell(new HoldMessage(request.Envelope.QueueId));
        Assert.True(ExpectMsg<AdminResult>().Found);
        Stop(queue);

        var again = CreateTestProbe();
        var restarted = StartQueue(again);
        restarted.Tell(ListMessages.Instance);
        var view = Assert.Single(ExpectMsg<QueueListing>().Messages);
        Assert.True(view.Held);
        Assert.Equal(RecipientStatus.Deferred, view.Recipients[0].Status);
        Assert.Equal("no route", view.Recipients[0].LastError);
        restarted.Tell(FlushQueue.Instance);
        ExpectMsg<AdminResult>();
        // A flush first tells the delivery agents to try dead destinations again; the held message stays.
        again.ExpectMsg<ReviveDestinations>();
        again.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        restarted.Tell(new ReleaseMessage(request.Envelope.QueueId));
        ExpectMsg<AdminResult>();
        restarted.Tell(FlushQueue.Instance);
        Assert.Equal("1 deferred recipients scheduled for delivery now", ExpectMsg<AdminResult>().Text);
        again.ExpectMsg<ReviveDestinations>();
        Assert.Equal(request.Envelope.QueueId, again.ExpectMsg<DeliverRecipients>().Envelope.QueueId);
    }

    [Fact]
    public async Task Deleted_message_should_leave_the_queue_for_good()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@localhost");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        var attempt = delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeleteMessage(request.Envelope.QueueId));
        Assert.True(ExpectMsg<AdminResult>().Found);
        queue.Tell(new DeleteMessage(request.Envelope.QueueId));
        Assert.False(ExpectMsg<AdminResult>().Found);
        // The attempt that was running when it was deleted still reports; nothing breaks.
        queue.Tell(new DeliveryOutcome(attempt.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "local", "ok"), delivery);
        queue.Tell(new ShowMessage(request.Envelope.QueueId));
        Assert.Empty(ExpectMsg<QueueListing>().Messages);
        Stop(queue);

        var again = CreateTestProbe();
        StartQueue(again);
        again.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Bounced_recipient_should_keep_the_message_until_its_failure_notice_is_queued_even_across_a_restart()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var request = await RequestAsync("a@remote.test", "b@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "mx[192.0.2.1]:25", "250 ok"), delivery);
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 1, DeliveryResult.Bounced, "5.1.1", "mx.remote.test[192.0.2.1]:25", "host said: 550 5.1.1 unknown"), delivery);
        var notice = bounces.ExpectMsg<SendNotice>();
        Assert.Equal(Mta.Core.Bounce.DsnKind.Failure, notice.Kind);
        var reported = Assert.Single(notice.Recipients);
        Assert.Equal("b@remote.test", reported.FinalRecipient);
        Assert.Equal("5.1.1", reported.Status);
        Assert.Equal("mx.remote.test", reported.RemoteMta);
        Assert.Equal("smtp; host said: 550 5.1.1 unknown", reported.DiagnosticCode);
        Stop(queue);

        var restarted = StartQueue(CreateTestProbe(), bounces: bounces);
        Assert.Equal(Mta.Core.Bounce.DsnKind.Failure, bounces.ExpectMsg<SendNotice>().Kind);
        restarted.Tell(new NoticeQueued(request.Envelope.QueueId, "NOTICE1", Mta.Core.Bounce.DsnKind.Failure));
        // The notice is journaled asynchronously; the message leaves once that write is done.
        AwaitEmptyQueue(restarted);
    }

    [Fact]
    public async Task A_failure_notice_that_could_not_be_queued_should_be_asked_for_again_on_the_next_tick()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var request = await RequestAsync("a@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Bounced, "5.1.1", "mx.remote.test[192.0.2.1]:25", "550 unknown"), delivery);
        Assert.Equal(Mta.Core.Bounce.DsnKind.Failure, bounces.ExpectMsg<SendNotice>().Kind);

        queue.Tell(RetryTick.Instance);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        queue.Tell(new NoticeFailed(request.Envelope.QueueId, "disk full", Mta.Core.Bounce.DsnKind.Failure, null));
        queue.Tell(RetryTick.Instance);

        var again = bounces.ExpectMsg<SendNotice>();
        Assert.Equal(Mta.Core.Bounce.DsnKind.Failure, again.Kind);
        Assert.Equal("a@remote.test", Assert.Single(again.Recipients).FinalRecipient);
        queue.Tell(RetryTick.Instance);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_message_held_and_released_while_its_attempt_runs_should_not_be_sent_twice()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();

        queue.Tell(new HoldMessage(request.Envelope.QueueId));
        Assert.True(ExpectMsg<AdminResult>().Found);
        queue.Tell(new ReleaseMessage(request.Envelope.QueueId));
        Assert.True(ExpectMsg<AdminResult>().Found);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Relayed, "2.0.0", "mx[192.0.2.1]:25", "250 ok"), delivery);
        AwaitEmptyQueue(queue);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_late_outcome_after_an_abandoned_attempt_should_not_free_a_second_slot()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery, _settings with { ActiveLimit = 1 });
        var first = await RequestAsync("a@remote.test");
        var second = await RequestAsync("b@remote.test");
        var third = await RequestAsync("c@remote.test");
        queue.Tell(new CommitBatch([first, second, third]));
        ExpectMsg<Enqueued>();
        ExpectMsg<Enqueued>();
        ExpectMsg<Enqueued>();
        Assert.Equal(first.Envelope.QueueId, delivery.ExpectMsg<DeliverRecipients>().Envelope.QueueId);

        // The first attempt never reports in time: it is deferred and its slot goes to the second message.
        _clock.Advance(QueueActor.AttemptTimeout + TimeSpan.FromSeconds(1));
        queue.Tell(RetryTick.Instance);
        Assert.Equal(second.Envelope.QueueId, delivery.ExpectMsg<DeliverRecipients>().Envelope.QueueId);

        // Its real outcome arrives late: it is recorded, but the one slot is still the second message's.
        queue.Tell(new DeliveryOutcome(first.Envelope.QueueId, 0, DeliveryResult.Relayed, "2.0.0", "mx[192.0.2.1]:25", "250 ok"), delivery);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        queue.Tell(ListMessages.Instance);
        Assert.DoesNotContain(ExpectMsg<QueueListing>().Messages, m => m.QueueId == first.Envelope.QueueId);
    }

    [Fact]
    public async Task A_late_outcome_of_an_attempt_given_up_should_not_speak_for_the_attempt_running_now()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        var request = await RequestAsync("a@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        var givenUp = delivery.ExpectMsg<DeliverRecipients>();

        _clock.Advance(QueueActor.AttemptTimeout + TimeSpan.FromSeconds(1));
        queue.Tell(RetryTick.Instance);
        AwaitAssert(() =>
        {
            queue.Tell(ListMessages.Instance);
            Assert.Equal(RecipientStatus.Deferred, Assert.Single(ExpectMsg<QueueListing>().Messages).Recipients[0].Status);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        queue.Tell(FlushQueue.Instance);
        ExpectMsg<AdminResult>();
        delivery.ExpectMsg<ReviveDestinations>();
        var running = delivery.ExpectMsg<DeliverRecipients>();
        Assert.NotEqual(givenUp.Attempt, running.Attempt);

        // The first attempt answers late that it failed for good: the attempt running now still decides.
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Bounced, "5.1.1", "mx[192.0.2.1]:25", "550 no such user", givenUp.Attempt), delivery);
        // Journal writes complete in order: once a later message is queued, the late outcome would have been applied.
        await SettleAsync(queue, delivery);
        queue.Tell(new ShowMessage(request.Envelope.QueueId));
        Assert.Equal(RecipientStatus.Pending, Assert.Single(ExpectMsg<QueueListing>().Messages).Recipients[0].Status);

        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Relayed, "2.0.0", "mx[192.0.2.1]:25", "250 ok", running.Attempt), delivery);
        AwaitGone(queue, request.Envelope.QueueId);
    }

    [Fact]
    public async Task A_deleted_message_whose_attempt_never_reports_should_free_its_delivery_slot()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery, _settings with { ActiveLimit = 1 });
        var first = await RequestAsync("a@remote.test");
        var second = await RequestAsync("b@remote.test");
        queue.Tell(new CommitBatch([first, second]));
        ExpectMsg<Enqueued>();
        ExpectMsg<Enqueued>();
        Assert.Equal(first.Envelope.QueueId, delivery.ExpectMsg<DeliverRecipients>().Envelope.QueueId);
        queue.Tell(new DeleteMessage(first.Envelope.QueueId));
        Assert.True(ExpectMsg<AdminResult>().Found);
        delivery.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        _clock.Advance(QueueActor.AttemptTimeout + TimeSpan.FromSeconds(1));
        queue.Tell(RetryTick.Instance);

        Assert.Equal(second.Envelope.QueueId, delivery.ExpectMsg<DeliverRecipients>().Envelope.QueueId);
    }

    [Fact]
    public async Task Null_sender_mail_should_never_get_a_notice()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var request = await RequestAsync("a@remote.test");
        request = request with { Envelope = request.Envelope with { Sender = "" } };
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Bounced, "5.1.1", "mx[192.0.2.1]:25", "550"), delivery);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        AwaitEmptyQueue(queue);
    }

    [Fact]
    public async Task Local_delivery_with_notify_success_should_send_a_success_notice()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var request = await RequestAsync(DsnNotify.Success | DsnNotify.Failure, "a@localhost");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "local", "delivered to maildir"), delivery);
        var notice = bounces.ExpectMsg<SendNotice>();
        Assert.Equal(Mta.Core.Bounce.DsnKind.Success, notice.Kind);
        Assert.Equal(Mta.Core.Bounce.DsnAction.Delivered, Assert.Single(notice.Recipients).Action);
    }

    [Fact]
    public async Task Mail_relayed_to_a_next_hop_without_DSN_should_get_a_relayed_notice_only_where_SUCCESS_was_asked()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var wanted = await RequestAsync(DsnNotify.Success, "a@remote.test");
        var unwanted = await RequestAsync(DsnNotify.Failure, "b@remote.test");
        queue.Tell(new CommitBatch([wanted, unwanted]));
        ExpectMsg<Enqueued>();
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        delivery.ExpectMsg<DeliverRecipients>();

        queue.Tell(new DeliveryOutcome(unwanted.Envelope.QueueId, 0, DeliveryResult.Relayed, "2.0.0", "mx.remote.test[192.0.2.1]:25", "250 2.0.0 Ok"), delivery);
        queue.Tell(new DeliveryOutcome(wanted.Envelope.QueueId, 0, DeliveryResult.Relayed, "2.0.0", "mx.remote.test[192.0.2.1]:25", "250 2.0.0 Ok"), delivery);

        var notice = bounces.ExpectMsg<SendNotice>();
        Assert.Equal(wanted.Envelope.QueueId, notice.Original.QueueId);
        Assert.Equal(Mta.Core.Bounce.DsnKind.Success, notice.Kind);
        var reported = Assert.Single(notice.Recipients);
        Assert.Equal(Mta.Core.Bounce.DsnAction.Relayed, reported.Action);
        Assert.Equal("2.0.0", reported.Status);
        Assert.Equal("mx.remote.test", reported.RemoteMta);
        Assert.Equal("smtp; 250 2.0.0 Ok", reported.DiagnosticCode);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Mail_delivered_to_a_next_hop_with_DSN_should_leave_the_success_notice_to_it()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, bounces: bounces);
        var request = await RequestAsync(DsnNotify.Success, "a@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();

        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Delivered, "2.0.0", "mx.remote.test[192.0.2.1]:25", "250 2.0.0 Ok"), delivery);

        AwaitEmptyQueue(queue);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Delay_warning_should_go_out_once_after_the_configured_time()
    {
        var delivery = CreateTestProbe();
        var bounces = CreateTestProbe();
        var queue = StartQueue(delivery, _settings with { DelayWarningTime = TimeSpan.FromHours(4) }, bounces);
        var request = await RequestAsync("a@remote.test");
        queue.Tell(new CommitBatch([request]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.4.1", "none", "connection refused"), delivery);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        _clock.Advance(TimeSpan.FromHours(5));
        queue.Tell(RetryTick.Instance);
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.4.1", "none", "connection refused"), delivery);
        var warning = bounces.ExpectMsg<SendNotice>();
        Assert.Equal(Mta.Core.Bounce.DsnKind.Delay, warning.Kind);
        Assert.NotNull(Assert.Single(warning.Recipients).WillRetryUntil);
        queue.Tell(new NoticeQueued(request.Envelope.QueueId, "WARN1", Mta.Core.Bounce.DsnKind.Delay));

        _clock.Advance(TimeSpan.FromHours(2));
        queue.Tell(RetryTick.Instance);
        delivery.ExpectMsg<DeliverRecipients>();
        queue.Tell(new DeliveryOutcome(request.Envelope.QueueId, 0, DeliveryResult.Deferred, "4.4.1", "none", "connection refused"), delivery);
        bounces.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task An_attempt_that_never_reports_should_be_deferred_and_retried()
    {
        var delivery = CreateTestProbe();
        var queue = StartQueue(delivery);
        queue.Tell(new CommitBatch([await RequestAsync("a@remote.test")]));
        ExpectMsg<Enqueued>();
        delivery.ExpectMsg<DeliverRecipients>();

        _clock.Advance(QueueActor.AttemptTimeout + TimeSpan.FromSeconds(1));
        queue.Tell(RetryTick.Instance);
        AwaitAssert(() =>
        {
            queue.Tell(ListMessages.Instance);
            var recipient = Assert.Single(ExpectMsg<QueueListing>().Messages).Recipients[0];
            Assert.Equal(RecipientStatus.Deferred, recipient.Status);
            Assert.Contains("did not report back", recipient.LastError);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        _clock.Advance(TimeSpan.FromSeconds(331));
        queue.Tell(RetryTick.Instance);
        delivery.ExpectMsg<DeliverRecipients>();
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _spool.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
