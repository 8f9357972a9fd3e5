namespace Mta.Tls.Policy;

/// <summary>
/// What a delivery does at each TLS step under a policy, as Postfix's smtp client does
/// (smtp_proto.c, smtp_connect.c). When TLS is required and cannot be had the host is skipped and
/// the next MX host tried; nothing here ever turns a required level into plaintext. A policy with
/// an <see cref="TlsPolicy.Error"/> fails every step.
/// </summary>
public static class TlsDecision
{
    /// <summary>The status of every TLS failure but a missing STARTTLS or a server's own reply.</summary>
    public const string TlsFailureDsn = "4.7.5";

    /// <summary>The status when TLS is required but the server does not offer STARTTLS.</summary>
    public const string NotOfferedDsn = "4.7.4";

    /// <summary>Postfix's reason for a policy that a malformed table entry made unusable.</summary>
    public const string ConfigurationProblem = "client TLS configuration problem";

    /// <summary>Postfix's reason when the handshake fails.</summary>
    public const string HandshakeFailure = "Cannot start TLS: handshake failure";

    /// <summary>Postfix's reason when the certificate is not trusted or does not match.</summary>
    public const string NotVerified = "Server certificate not verified";

    /// <summary>
    /// Before resolving the hosts of a nexthop: a malformed entry for the nexthop defers the mail
    /// (<c>4.7.5 client TLS configuration problem</c>); otherwise proceed.
    /// </summary>
    public static StartTlsDecision ForNexthop(SitePolicy nexthopPart)
    {
        ArgumentNullException.ThrowIfNull(nexthopPart);
        return nexthopPart.Error is null
            ? new StartTlsDecision(TlsAction.Proceed)
            : new StartTlsDecision(TlsAction.Defer, TlsFailureDsn, ConfigurationProblem, $"TLS policy lookup for {nexthopPart.Nexthop}: {nexthopPart.Source}: {nexthopPart.Error}");
    }

    /// <summary>
    /// Before connecting to a host: a policy made unusable by a malformed entry skips the host
    /// (<c>4.7.5 client TLS configuration problem</c>); otherwise proceed.
    /// </summary>
    public static StartTlsDecision BeforeConnect(TlsPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return ConfigurationFailure(policy) ?? new StartTlsDecision(TlsAction.Proceed);
    }

    /// <summary>
    /// After the EHLO reply: none goes on in plaintext; may sends STARTTLS when offered, else goes on
    /// in plaintext; stronger levels send STARTTLS when offered, else skip the host with
    /// <c>4.7.4 TLS is required, but was not offered by host X</c>.
    /// </summary>
    /// <param name="policy">The policy for this host.</param>
    /// <param name="host">The host as it should appear in reasons; Postfix writes <c>name[address]</c>.</param>
    /// <param name="serverOffersStartTls">The EHLO reply lists STARTTLS.</param>
    public static StartTlsDecision WhenEhloDone(TlsPolicy policy, string host, bool serverOffersStartTls)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(host);
        if (ConfigurationFailure(policy) is { } failure)
        {
            return failure;
        }

        return policy.Level switch
        {
            // For note-starttls-offer: Postfix logs the servers that offer STARTTLS when the policy did not use it.
            TlsLevel.None => new StartTlsDecision(TlsAction.PlaintextOk, LogDetail: serverOffersStartTls ? $"Host offered STARTTLS: {host}" : null),
            TlsLevel.May => new StartTlsDecision(serverOffersStartTls ? TlsAction.StartTls : TlsAction.PlaintextOk),
            _ => serverOffersStartTls
                ? new StartTlsDecision(TlsAction.StartTls)
                : new StartTlsDecision(TlsAction.SkipHost, NotOfferedDsn, $"TLS is required, but was not offered by host {host}"),
        };
    }

    /// <summary>
    /// After the server answered STARTTLS with an error: stronger levels skip the host quoting the
    /// reply (<c>TLS is required, but host X refused to start TLS: 454 4.7.0 ...</c>); may goes on
    /// in plaintext on the same connection, as Postfix does. The status is the reply's enhanced
    /// code, or x.0.0 of its class when it has none; its class is 4 even for a 5xx reply, because a
    /// refused STARTTLS defers the mail, never bounces it.
    /// </summary>
    /// <param name="policy">The policy for this host.</param>
    /// <param name="host">The host as it should appear in reasons.</param>
    /// <param name="replyCode">The reply code, 400 to 599.</param>
    /// <param name="replyText">The reply text after the code, starting with the enhanced code when the server sent one; lines joined by anything.</param>
    public static StartTlsDecision AfterStartTlsRefused(TlsPolicy policy, string host, int replyCode, string replyText)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(replyText);
        ArgumentOutOfRangeException.ThrowIfLessThan(replyCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replyCode, 599);
        if (ConfigurationFailure(policy) is { } failure)
        {
            return failure;
        }

        string reply = $"{replyCode} {OneLine(replyText)}";
        if (!policy.Level.RequiresTls())
        {
            return new StartTlsDecision(TlsAction.PlaintextOk, LogDetail: $"host {host} refused to start TLS: {reply}; continuing without TLS");
        }

        return new StartTlsDecision(TlsAction.SkipHost, DeferralStatus(replyText), $"TLS is required, but host {host} refused to start TLS: {reply}");
    }

    /// <summary>
    /// After the handshake failed. may falls back to plaintext on a new connection to the same host
    /// only when the message has been queued at least minimal-backoff-time, so that one injected
    /// failure does not downgrade fresh mail; otherwise the mail is deferred with
    /// <c>4.7.5 Cannot start TLS: handshake failure</c>. Stronger levels skip the host with that reason.
    /// </summary>
    /// <param name="policy">The policy for this host.</param>
    /// <param name="messageAge">How long the message has been in the queue.</param>
    /// <param name="minimalBackoff">mta.queue.minimal-backoff-time.</param>
    public static StartTlsDecision AfterHandshakeFailed(TlsPolicy policy, TimeSpan messageAge, TimeSpan minimalBackoff)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (ConfigurationFailure(policy) is { } failure)
        {
            return failure;
        }

        if (policy.Level.RequiresTls())
        {
            return new StartTlsDecision(TlsAction.SkipHost, TlsFailureDsn, HandshakeFailure);
        }

        return messageAge >= minimalBackoff
            ? new StartTlsDecision(TlsAction.PlaintextOk, LogDetail: "TLS handshake failed; retrying in plaintext, the message has waited at least the minimal backoff time")
            : new StartTlsDecision(TlsAction.Defer, TlsFailureDsn, HandshakeFailure, "TLS handshake failed; no plaintext retry for a message younger than the minimal backoff time");
    }

    /// <summary>
    /// After a completed handshake: none, may and encrypt proceed whatever the certificate;
    /// fingerprint proceeds when a fingerprint matches; verify when the chain is trusted and the
    /// name matches; secure when the chain is trusted and the secure name matches. A failure skips
    /// the host with <c>4.7.5 Server certificate not verified</c>, the log detail saying why.
    /// </summary>
    public static StartTlsDecision AfterHandshake(TlsPolicy policy, PeerFacts facts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(facts);
        if (ConfigurationFailure(policy) is { } failure)
        {
            return failure;
        }

        string? problem = policy.Level switch
        {
            TlsLevel.Fingerprint when !facts.FingerprintMatches => $"certificate fingerprint not in {string.Join("|", policy.Match)}",
            TlsLevel.Verify or TlsLevel.Secure when !facts.ChainTrusted => "certificate not trusted",
            TlsLevel.Verify when !facts.NameMatches => $"name mismatch: certificate matches none of {string.Join(", ", policy.Match)}",
            TlsLevel.Secure when !facts.SecureNameMatches => $"name mismatch: certificate matches none of {string.Join(", ", policy.Match)}",
            _ => null,
        };
        return problem is null
            ? new StartTlsDecision(TlsAction.Proceed)
            : new StartTlsDecision(TlsAction.SkipHost, TlsFailureDsn, NotVerified, problem);
    }

    private static StartTlsDecision? ConfigurationFailure(TlsPolicy policy) =>
        policy.Error is null
            ? null
            : new StartTlsDecision(TlsAction.SkipHost, TlsFailureDsn, ConfigurationProblem, $"TLS policy lookup: {policy.Source}: {policy.Error}");

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(line => line.Trim()));

    // The enhanced code at the start of the reply text (RFC 3463 "class.subject.detail"), with
    // class 4 since the mail is deferred; 4.0.0 without one, as Postfix derives for a bare 4xx.
    private static string DeferralStatus(string replyText)
    {
        string first = replyText.TrimStart().Split(' ', 2)[0];
        string[] parts = first.Split('.');
        bool isEnhanced = parts.Length == 3
            && parts[0] is "4" or "5"
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
        return isEnhanced ? $"4.{parts[1]}.{parts[2]}" : "4.0.0";
    }
}
