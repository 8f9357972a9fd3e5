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
    public static DeliveryOutcome FromReply(string queueId, int index, SmtpReply reply, string relay)
    {
        var dsn = reply.EnhancedCode ?? DefaultDsn(reply.Code);
        if (reply.IsPositive)
            return new DeliveryOutcome(queueId, index, DeliveryResult.Delivered, dsn, relay, reply.ToString());
        var detail = $"host {relay} said: {reply}";
        return new DeliveryOutcome(queueId, index, reply.IsPermanent ? DeliveryResult.Bounced : DeliveryResult.Deferred, dsn, relay, detail);
    }

    /// <summary>Every recipient deferred (or bounced, for a permanent reason) with the same reason: no connection, lost connection, DNS.</summary>
    public static IEnumerable<DeliveryOutcome> ForAll(string queueId, IEnumerable<int> indexes, bool permanent, string dsn, string relay, string reason) =>
        indexes.Select(index => new DeliveryOutcome(queueId, index, permanent ? DeliveryResult.Bounced : DeliveryResult.Deferred, dsn, relay, reason));

    /// <summary>The RFC 3463 code a server that sends none implies (Postfix: x.0.0 of the reply's class).</summary>
    public static string DefaultDsn(int code) => code switch
    {
        >= 500 => "5.0.0",
        >= 400 => "4.0.0",
        _ => "2.0.0",
    };
}
