using Mta.Protocol;
using Mta.Tls.Policy;

namespace Mta.Core.Delivery;

/// <summary>Whether delivery at one level would go ahead with the server probed.</summary>
/// <param name="Level">The level.</param>
/// <param name="Pass">True when delivery would proceed (with TLS, or in plaintext where the level allows it).</param>
/// <param name="Text">How: the TLS facts, or the deferral status and reason with what was wrong.</param>
public sealed record ProbeVerdict(TlsLevel Level, bool Pass, string Text);

/// <summary>What <see cref="TlsProbe.RunAsync"/> learned from one server.</summary>
/// <param name="Greeting">The server's greeting.</param>
/// <param name="Capabilities">What the server announced before TLS.</param>
/// <param name="StartTls">The outcome of STARTTLS; null when the server did not offer it.</param>
/// <param name="Session">The TLS session; null without one. Owned by the connection the probe closed: read its certificates before disposing the report's owner.</param>
/// <param name="CapabilitiesInTls">What the server announced inside TLS; null without TLS.</param>
/// <param name="Examination">The server certificate as the verify level sees it (chain, names, fingerprints); null without TLS.</param>
/// <param name="Verdicts">One verdict per level, none to secure.</param>
public sealed record TlsProbeReport(
    SmtpReply? Greeting,
    ServerCapabilities Capabilities,
    StartTlsResult? StartTls,
    TlsSession? Session,
    ServerCapabilities? CapabilitiesInTls,
    PeerExamination? Examination,
    IReadOnlyList<ProbeVerdict> Verdicts);

/// <summary>
/// Tells what a server offers and whether each TLS level would deliver to it, like Postfix's
/// posttls-finger: one conversation (greeting, EHLO, STARTTLS when offered, the handshake, EHLO
/// again, QUIT), then every level judged with the same <see cref="TlsDecision"/> steps delivery takes.
/// </summary>
public static class TlsProbe
{
    /// <summary>Probes the server on <paramref name="connection"/>, which has been greeted and is not yet in TLS.</summary>
    /// <param name="connection">The open connection; the probe sends STARTTLS and QUIT on it.</param>
    /// <param name="tls">The CAs, client certificate and digest the checks use; its own policies are not consulted.</param>
    /// <param name="hostName">The server's name: the name verify matches by default, and the TLS server name.</param>
    /// <param name="nexthop">The nexthop as delivery would route it: secure matches its domain by default.</param>
    /// <param name="fingerprints">Fingerprints the fingerprint level accepts; none makes that level fail.</param>
    /// <param name="ct">Abandons the probe.</param>
    /// <exception cref="SmtpClientException">The conversation broke before a verdict was possible.</exception>
    public static async Task<TlsProbeReport> RunAsync(
        SmtpClientConnection connection, ClientTls tls, string hostName, string nexthop, IReadOnlyList<string> fingerprints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(fingerprints);
        ServerCapabilities before = connection.Capabilities;
        StartTlsResult? started = null;
        TlsPolicy may = Policy(TlsLevel.May, hostName, nexthop, fingerprints)!;
        if (before.StartTls && tls.HandshakeOptions(may, hostName) is { } options)
        {
            started = await connection.StartTlsAsync(options, ct).ConfigureAwait(false);
        }

        TlsSession? session = connection.Tls;
        PeerExamination? examination = session is null ? null : tls.Examine(Policy(TlsLevel.Verify, hostName, nexthop, fingerprints)!, session);
        ProbeVerdict[] verdicts = [.. Enum.GetValues<TlsLevel>().Select(level => Judge(level, connection.PeerName, before.StartTls, started, session, tls, hostName, nexthop, fingerprints))];
        ServerCapabilities? inTls = session is null ? null : connection.Capabilities;
        await connection.QuitAsync(ct).ConfigureAwait(false);
        return new TlsProbeReport(connection.Greeting, before, started, session, inTls, examination, verdicts);
    }

    private static ProbeVerdict Judge(
        TlsLevel level, string server, bool offered, StartTlsResult? started, TlsSession? session, ClientTls tls, string hostName, string nexthop, IReadOnlyList<string> fingerprints)
    {
        if (Policy(level, hostName, nexthop, fingerprints) is not { } policy)
        {
            return new ProbeVerdict(level, false, "no fingerprint to match (give --fingerprint)");
        }

        StartTlsDecision afterEhlo = TlsDecision.WhenEhloDone(policy, server, offered);
        if (afterEhlo.Action == TlsAction.PlaintextOk)
        {
            return new ProbeVerdict(level, true, offered ? "plaintext: this level does not use the STARTTLS offered" : "plaintext: STARTTLS not offered");
        }

        if (afterEhlo.Action != TlsAction.StartTls)
        {
            return Failed(level, afterEhlo);
        }

        switch (started?.Outcome)
        {
            case StartTlsOutcome.Refused:
                SmtpReply reply = started.Reply;
                string text = string.Join(' ', reply.EnhancedCode is null ? reply.Lines : reply.Lines.Prepend(reply.EnhancedCode));
                StartTlsDecision refused = TlsDecision.AfterStartTlsRefused(policy, server, reply.Code, text);
                return refused.Action == TlsAction.PlaintextOk ? new ProbeVerdict(level, true, $"plaintext after STARTTLS was refused: {reply}") : Failed(level, refused);
            case StartTlsOutcome.Established when session is not null:
                break;
            default:
                // A message queued just now: may defers it too, and retries in plaintext only once it has waited.
                StartTlsDecision failed = TlsDecision.AfterHandshakeFailed(policy, TimeSpan.Zero, TimeSpan.FromTicks(1));
                string failure = started?.Failure ?? "no TLS protocol to offer";
                return Failed(level, failed with
                {
                    LogDetail = level == TlsLevel.May ? $"{failure}; mail queued for minimal-backoff-time is retried in plaintext" : failure,
                });
        }

        PeerExamination examination = tls.Examine(policy, session);
        StartTlsDecision judged = TlsDecision.AfterHandshake(policy, examination.Facts);
        string facts = $"{session.Protocol} {session.Cipher} {examination.Trust(level)} CN={examination.Subject}";
        if (!judged.IsFailure)
        {
            return new ProbeVerdict(level, true, facts);
        }

        string why = judged.LogDetail == "certificate not trusted" && examination.ChainProblem is { } chain ? chain : judged.LogDetail ?? "";
        return new ProbeVerdict(level, false, $"{judged.Dsn} {judged.Reason} ({why}); {facts}");
    }

    private static ProbeVerdict Failed(TlsLevel level, StartTlsDecision decision) =>
        new(level, false, decision.LogDetail is null ? $"{decision.Dsn} {decision.Reason}" : $"{decision.Dsn} {decision.Reason} ({decision.LogDetail})");

    /// <summary>The policy a level gives the host under the nexthop, as delivery would resolve it without tables; null for fingerprint without fingerprints.</summary>
    private static TlsPolicy? Policy(TlsLevel level, string hostName, string nexthop, IReadOnlyList<string> fingerprints)
    {
        if (level == TlsLevel.Fingerprint && fingerprints.Count == 0)
        {
            return null;
        }

        var resolver = new TlsPolicyResolver(level, null, null, fingerprints.Count > 0 ? fingerprints : null);
        return resolver.ResolveHost(resolver.ResolveNexthop(nexthop), hostName);
    }
}
