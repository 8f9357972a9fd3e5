using Microsoft.Extensions.Logging;

namespace Mta.Core.Ingress;

/// <summary>The SMTP server's log lines, worded as Postfix's smtpd words them.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "connect from {ClientName}[{Client}]")]
    public static partial void Connect(ILogger logger, string clientName, string client);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "disconnect from {ClientName}[{Client}] messages={Messages} ({Reason})")]
    public static partial void Disconnect(ILogger logger, string clientName, string client, int messages, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "{QueueId}: client={ClientName}[{Client}]")]
    public static partial void Accepted(ILogger logger, string queueId, string clientName, string client);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "reject: RCPT from {ClientName}[{Client}]: {Reply}; from=<{Sender}> to=<{Recipient}>")]
    public static partial void RecipientRejected(ILogger logger, string clientName, string client, string reply, string sender, string recipient);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "improper command pipelining after {Command} from {ClientName}[{Client}]")]
    public static partial void PipeliningViolation(ILogger logger, string command, string clientName, string client);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "too many errors after {Command} from {ClientName}[{Client}]")]
    public static partial void TooManyErrors(ILogger logger, string command, string clientName, string client);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "{QueueId}: not queued: {Reason}")]
    public static partial void NotQueued(ILogger logger, string queueId, string reason);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "Free space in {DataDir} is below mta.spool.min-free-space; MAIL refused with 452 4.3.1")]
    public static partial void LowDisk(ILogger logger, string dataDir);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "{QueueId}: spool write failed: {Error}")]
    public static partial void SpoolWriteFailed(ILogger logger, string queueId, string error);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "{QueueId}: reject: too many hops ({Hops} Received headers) from {ClientName}[{Client}]")]
    public static partial void TooManyHops(ILogger logger, string queueId, int hops, string clientName, string client);
}
