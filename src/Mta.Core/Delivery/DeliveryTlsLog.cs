using Microsoft.Extensions.Logging;

namespace Mta.Core.Delivery;

/// <summary>The TLS log lines of onward delivery, worded as Postfix's smtp client words them.</summary>
internal static partial class DeliveryTlsLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "{Trust} TLS connection established to {Peer}: {Protocol} with cipher {Cipher}, subject CN={Subject}, issuer CN={Issuer}, fingerprint {Fingerprint} ({Chain})")]
    public static partial void Established(ILogger logger, string trust, string peer, string protocol, string cipher, string subject, string issuer, string fingerprint, string chain);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Host offered STARTTLS: [{Host}]")]
    public static partial void StartTlsOffered(ILogger logger, string host);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "{Peer}: host skipped: {Reason}")]
    public static partial void HostSkipped(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "{Peer}: host skipped: {Reason} ({Detail})")]
    public static partial void HostSkippedBecause(ILogger logger, string peer, string reason, string detail);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "{Peer}: {Detail}")]
    public static partial void PlaintextFallback(ILogger logger, string peer, string detail);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "{Peer}: discarded {Octets} octets the server sent after its reply to STARTTLS (possible response injection)")]
    public static partial void InjectionDiscarded(ILogger logger, string peer, int octets);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "TLS policy for {Nexthop} host {Host}: {Policy}")]
    public static partial void PolicyChosen(ILogger logger, string nexthop, string host, string policy);

    [LoggerMessage(EventId = 306, Level = LogLevel.Information, Message = "{Peer}: certificate depth={Depth} subject={Subject} issuer={Issuer}")]
    public static partial void ChainCertificate(ILogger logger, string peer, int depth, string subject, string issuer);
}
