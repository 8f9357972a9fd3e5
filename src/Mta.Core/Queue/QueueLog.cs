using Microsoft.Extensions.Logging;

namespace Mta.Core.Queue;

/// <summary>The queue's log lines, worded as Postfix's qmgr and delivery agents word theirs.</summary>
internal static partial class QueueLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{QueueId}: from=<{Sender}>, size={Size}, nrcpt={Recipients} (queue active)")]
    public static partial void Queued(ILogger logger, string queueId, string sender, long size, int recipients);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{QueueId}: to=<{Recipient}>, relay={Relay}, delay={Delay}, dsn={Dsn}, status={Status} ({Detail})")]
    public static partial void Attempt(ILogger logger, string queueId, string recipient, string relay, double delay, string dsn, string status, string detail);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{QueueId}: removed")]
    public static partial void Removed(ILogger logger, string queueId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Queue recovered: {Messages} messages, {Pending} with recipients to deliver now")]
    public static partial void Recovered(ILogger logger, int messages, int pending);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Queue journal rejected {Event}; the message was not queued")]
    public static partial void Rejected(ILogger logger, Exception cause, string @event);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Queue snapshot failed; the journal keeps every event until the next snapshot succeeds")]
    public static partial void SnapshotFailed(ILogger logger, Exception cause);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "{QueueId}: {Action} by the operator")]
    public static partial void Administered(ILogger logger, string queueId, string action);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "{QueueId}: sender {Kind} notification: {NoticeQueueId}")]
    public static partial void NoticeQueued(ILogger logger, string queueId, string kind, string noticeQueueId);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "{QueueId}: could not queue the non-delivery notification, will try again: {Reason}")]
    public static partial void NoticeFailed(ILogger logger, string queueId, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "{QueueId}: to=<{Recipient}>: an attempt given up earlier answered late, after the recipient was handed out again; ignored ({Detail})")]
    public static partial void LateOutcome(ILogger logger, string queueId, string recipient, string detail);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Could not trim the queue journal: {Reason}")]
    public static partial void TrimFailed(ILogger logger, Exception cause, string reason);
}
