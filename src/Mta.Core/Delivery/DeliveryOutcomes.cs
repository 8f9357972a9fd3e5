using Mta.Core.Queue;
using Mta.Protocol;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Core.Delivery;

/// <summary>
/// Turns what a remote server said into per-recipient outcomes for the queue, with the texts
/// Postfix writes: "host X said: 550 5.1.1 ...".
/// </summary>
public static class DeliveryOutcomes
{
    /// <summary>The outcome of one recipient from the reply that decided it.</summary>
    /// <param name="queueId">The message.</param>
    /// <param name="index">The recipient.</param>
    /// <param name="attempt">The queue's number of the attempt, carried back.</param>
    /// <param name="reply">The reply that decided it.</param>
    /// <param name="relay">The server, as <c>host[address]:port</c>.</param>
    /// <param name="tls">The connection's TLS facts, appended to the detail as <c>; tls=...</c>; null to leave them out.</param>
    /// <param name="nextHopSpeaksDsn">The server offered DSN, so it reports success itself; otherwise an acceptance is <see cref="DeliveryResult.Relayed"/>.</param>
    public static DeliveryOutcome FromReply(string queueId, int index, long attempt, SmtpReply reply, string relay, string? tls, bool nextHopSpeaksDsn)
    {
        var dsn = reply.EnhancedCode ?? DefaultDsn(reply.Code);
        if (reply.IsPositive)
            return new DeliveryOutcome(queueId, index, nextHopSpeaksDsn ? DeliveryResult.Delivered : DeliveryResult.Relayed, dsn, relay, WithTls(reply.ToString(), tls), attempt);
        var detail = $"host {relay} said: {reply}";
        return new DeliveryOutcome(queueId, index, reply.IsPermanent ? DeliveryResult.Bounced : DeliveryResult.Deferred, dsn, relay, WithTls(detail, tls), attempt);
    }

    /// <summary>
    /// Every recipient deferred (or bounced, for a permanent reason) with the same reason: no connection, lost connection, DNS,
    /// TLS required but not had. <paramref name="tls"/>, when given, is appended to the reason as <c>; tls=...</c>;
    /// <paramref name="attempt"/> is the queue's number of the attempt, carried back.
    /// </summary>
    public static IEnumerable<DeliveryOutcome> ForAll(string queueId, IEnumerable<int> indexes, long attempt, bool permanent, string dsn, string relay, string reason, string? tls = null) =>
        indexes.Select(index => new DeliveryOutcome(queueId, index, permanent ? DeliveryResult.Bounced : DeliveryResult.Deferred, dsn, relay, WithTls(reason, tls), attempt));

    /// <summary>
    /// The detail with the TLS facts after it, so that the queue's one line per recipient says how the
    /// mail went: <c>250 2.0.0 Ok; tls=TLSv1.3 TLS_AES_256_GCM_SHA384 verified CN=mx.example</c>.
    /// </summary>
    public static string WithTls(string detail, string? tls) => tls is null ? detail : $"{detail}; tls={tls}";

    /// <summary>The RFC 3463 code a server that sends none implies (Postfix: x.0.0 of the reply's class).</summary>
    public static string DefaultDsn(int code) => code switch
    {
        >= 500 => "5.0.0",
        >= 400 => "4.0.0",
        _ => "2.0.0",
    };
}
