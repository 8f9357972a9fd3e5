using System.Diagnostics.Metrics;

namespace Mta.Core;

/// <summary>
/// The node's instruments (System.Diagnostics.Metrics, meter "Mta"): what the admin endpoint
/// exports for Prometheus. Counting is lock-free and costs nothing when nobody listens.
/// </summary>
public static class MtaMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Mta";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Messages answered 250 after DATA or BDAT LAST.</summary>
    public static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>("mta_messages_accepted", "messages", "Messages accepted (250 after DATA or BDAT LAST)");

    /// <summary>Messages refused at the end of DATA (size, hops, storage).</summary>
    public static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>("mta_messages_rejected", "messages", "Messages refused at the end of DATA");

    /// <summary>Recipients refused at RCPT.</summary>
    public static readonly Counter<long> RecipientsRejected = Meter.CreateCounter<long>("mta_recipients_rejected", "recipients", "Recipients refused at RCPT");

    /// <summary>Delivery attempts per recipient, tagged status=sent|deferred|bounced and relay=local|smtp.</summary>
    public static readonly Counter<long> DeliveryAttempts = Meter.CreateCounter<long>("mta_delivery_attempts", "recipients", "Delivery attempts by outcome");

    /// <summary>SMTP sessions opened.</summary>
    public static readonly Counter<long> SessionsOpened = Meter.CreateCounter<long>("mta_smtpd_sessions", "sessions", "SMTP sessions opened");

    /// <summary>Connections refused by a connection limit.</summary>
    public static readonly Counter<long> ConnectionsRefused = Meter.CreateCounter<long>("mta_smtpd_connections_refused", "connections", "Connections refused by a connection limit");

    /// <summary>Group commits and the messages each covered.</summary>
    public static readonly Histogram<int> CommitBatchSize = Meter.CreateHistogram<int>("mta_queue_commit_batch_size", "messages", "Messages made durable by one group commit");

    /// <summary>SMTP sessions open now.</summary>
    public static void ObserveSessions(Func<int> sessions) =>
        Meter.CreateObservableGauge("mta_smtpd_sessions_open", sessions, "sessions", "SMTP sessions open");
}
