using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Routing;
using Mta.Protocol;
using Mta.Tls.Policy;

namespace Mta.Core.Delivery;

/// <summary>A greeted connection with its TLS settled, or why none could be had.</summary>
/// <param name="Connection">The connection; null on failure.</param>
/// <param name="Permanent">The failure is final (DNS says the domain cannot receive mail).</param>
/// <param name="Dsn">RFC 3463 code of the failure.</param>
/// <param name="Reason">The failure as Postfix words it ("connect to host[ip]:25: Connection refused", "TLS is required, but was not offered by host X").</param>
public sealed record ConnectResult(SmtpClientConnection? Connection, bool Permanent, string Dsn, string Reason)
{
    /// <summary>The TLS state of <see cref="Connection"/>; null on failure.</summary>
    public ConnectionTls? Tls { get; init; }

    /// <summary>
    /// The TLS facts of the last host talked to, for the log line (<c>none (not offered)</c>,
    /// <c>TLSv1.3 TLS_AES_256_GCM_SHA384 untrusted CN=mx.example</c>); null when no server answered.
    /// </summary>
    public string? TlsSummary { get; init; }
}

/// <summary>
/// How TLS stands on one open delivery connection: the policy it was opened under, the client
/// certificate offered, the verification result and the facts for the log. A cached connection is
/// reused only while a new one would be opened with the same <see cref="ReuseKey"/>.
/// </summary>
/// <param name="HostName">The server's host name, as its policy was resolved for.</param>
/// <param name="Policy">The policy of that host.</param>
/// <param name="ClientCertificate">The sha256 fingerprint of the client certificate offered; null for none.</param>
/// <param name="Trust">verified, trusted or untrusted after a handshake; null in plaintext.</param>
/// <param name="Summary">The TLS facts as the delivery log writes them after <c>tls=</c>.</param>
public sealed record ConnectionTls(string HostName, TlsPolicy Policy, string? ClientCertificate, string? Trust, string Summary)
{
    /// <summary>What an idle connection must share with a new one to carry its message instead: policy, client certificate and whether the server was verified.</summary>
    public (TlsPolicy Policy, string? ClientCertificate, bool Verified) ReuseKey => (Policy, ClientCertificate, Trust == "verified");
}

/// <summary>
/// Opens a connection to a nexthop as Postfix's smtp client does: resolve it (MX hosts in
/// preference order, or the host itself), then try each address of each host until one greets and
/// its TLS satisfies the host's policy; a host that refuses to talk, cannot be reached or cannot
/// give the TLS its policy requires is skipped. Nothing is ever sent in clear to a host whose
/// policy requires TLS: the caller gets a connection only when the policy is met.
/// </summary>
public sealed class SmtpConnector
{
    private readonly MxResolver _resolver;
    private readonly ClientOptions _options;
    private readonly TimeSpan _minimalBackoff;
    private readonly ILogger _logger;

    /// <summary>A connector without TLS: every policy is level none.</summary>
    public SmtpConnector(MxResolver resolver, ClientOptions options)
        : this(resolver, options, ClientTls.Plaintext, TimeSpan.FromSeconds(300), NullLogger.Instance)
    {
    }

    /// <summary>Creates a connector.</summary>
    /// <param name="resolver">Finds the servers of a nexthop.</param>
    /// <param name="options">HELO name and timeouts.</param>
    /// <param name="tls">The TLS policy, certificates and checks.</param>
    /// <param name="minimalBackoff">mta.queue.minimal-backoff-time: how old a message must be before may retries in plaintext after a failed handshake.</param>
    /// <param name="logger">Receives the TLS log lines (loglevel, note-starttls-offer, skipped hosts, plaintext fallbacks).</param>
    public SmtpConnector(MxResolver resolver, ClientOptions options, ClientTls tls, TimeSpan minimalBackoff, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(logger);
        _resolver = resolver;
        _options = options;
        Tls = tls;
        _minimalBackoff = minimalBackoff;
        _logger = logger;
    }

    /// <summary>The TLS policy, certificates and checks connections are opened with.</summary>
    public ClientTls Tls { get; }

    /// <summary>Connects to the first host of <paramref name="hop"/> that answers and meets its TLS policy, as for a message queued just now.</summary>
    public Task<ConnectResult> ConnectAsync(NextHop hop, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        return ConnectAsync(hop, Tls.Policies.ResolveNexthop(hop.Name), _options.Clock.GetUtcNow(), ct);
    }

    /// <summary>
    /// Connects to the first host of <paramref name="hop"/> that answers and whose TLS satisfies its
    /// policy. Per host the policy is resolved from <paramref name="nexthopPart"/>; after EHLO,
    /// STARTTLS, a refused STARTTLS, a failed handshake and a finished handshake the
    /// <see cref="TlsDecision"/> step decides: go on, go on in plaintext, skip to the next host or
    /// address, or defer at once. When every host fails the result carries the last reason.
    /// </summary>
    /// <param name="hop">The nexthop.</param>
    /// <param name="nexthopPart">The nexthop part of the TLS policy, resolved once for <paramref name="hop"/>.</param>
    /// <param name="arrival">When the message to deliver was queued: may falls back to plaintext after a failed handshake only for a message queued at least minimal-backoff-time ago.</param>
    /// <param name="ct">Abandons the attempt.</param>
    public async Task<ConnectResult> ConnectAsync(NextHop hop, SitePolicy nexthopPart, DateTimeOffset arrival, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hop);
        ArgumentNullException.ThrowIfNull(nexthopPart);
        var resolution = await _resolver.ResolveAsync(hop, ct).ConfigureAwait(false);
        if (!resolution.Succeeded)
        {
            return new ConnectResult(null, resolution.Permanent, resolution.Dsn ?? "4.4.3", resolution.Error ?? $"cannot resolve {hop.Name}");
        }

        TimeSpan messageAge = _options.Clock.GetUtcNow() - arrival;
        var last = new Attempt(null, null, "4.4.1", $"no address for {hop.Name}", null);
        foreach (MxHost host in resolution.Hosts)
        {
            TlsPolicy policy = Tls.Policies.ResolveHost(nexthopPart, host.HostName);
            if (Tls.LogLevel >= 2)
            {
                DeliveryTlsLog.PolicyChosen(_logger, hop.Name, host.HostName, policy.ToString());
            }

            StartTlsDecision beforeConnect = TlsDecision.BeforeConnect(policy);
            if (beforeConnect.IsFailure)
            {
                last = Skip(host.HostName, beforeConnect, "none (TLS policy unusable)");
                continue;
            }

            foreach (IPAddress address in host.Addresses)
            {
                last = await AttemptAsync(hop, host, address, policy, messageAge, mayStartTls: true, ct).ConfigureAwait(false);
                if (last.Connection is not null)
                {
                    return new ConnectResult(last.Connection, false, "2.0.0", "") { Tls = last.Tls, TlsSummary = last.Tls!.Summary };
                }

                if (last.DeferNow)
                {
                    return Failed(last);
                }
            }
        }

        return Failed(last);
    }

    /// <summary>
    /// Whether an idle connection may carry the next message: its <see cref="ConnectionTls.ReuseKey"/>
    /// is the one a new connection to its host would get now, the policy (which a changed table
    /// changes), the client certificate, and a verified server exactly when the policy verifies.
    /// </summary>
    public bool MayReuse(SitePolicy nexthopPart, ConnectionTls tls)
    {
        ArgumentNullException.ThrowIfNull(nexthopPart);
        ArgumentNullException.ThrowIfNull(tls);
        TlsPolicy now = Tls.Policies.ResolveHost(nexthopPart, tls.HostName);
        return tls.ReuseKey.Equals((now, Tls.ClientCertificateFingerprint, now.Level >= TlsLevel.Fingerprint));
    }

    private static ConnectResult Failed(Attempt attempt) =>
        new(null, false, attempt.Dsn, attempt.Reason) { TlsSummary = attempt.TlsSummary };

    /// <summary>One TCP connection to one address: greet, then settle TLS as the host's policy says.</summary>
    private async Task<Attempt> AttemptAsync(NextHop hop, MxHost host, IPAddress address, TlsPolicy policy, TimeSpan messageAge, bool mayStartTls, CancellationToken ct)
    {
        string peer = $"{host.HostName}[{address}]:{hop.Port}";

        // Postfix names the server as name[address] in TLS reasons.
        string server = $"{host.HostName}[{address}]";
        var opened = await OpenAsync(address, hop.Port, peer, ct).ConfigureAwait(false);
        if (opened.Connection is not { } connection)
        {
            return new Attempt(null, null, "4.4.1", opened.Failure!, null);
        }

        if (!mayStartTls)
        {
            return Plaintext(connection, host, policy, "none (plaintext retry after a failed handshake)");
        }

        StartTlsDecision afterEhlo = TlsDecision.WhenEhloDone(policy, server, connection.Capabilities.StartTls);
        switch (afterEhlo.Action)
        {
            case TlsAction.PlaintextOk:
                if (afterEhlo.LogDetail is not null && Tls.NoteStartTlsOffer)
                {
                    DeliveryTlsLog.StartTlsOffered(_logger, host.HostName);
                }

                return Plaintext(connection, host, policy, policy.Level == TlsLevel.None ? "none (policy none)" : "none (not offered)");
            case TlsAction.StartTls:
                return await StartTlsAsync(connection, hop, host, address, peer, server, policy, messageAge, ct).ConfigureAwait(false);
            default:
                await QuitAsync(connection).ConfigureAwait(false);
                return Skip(peer, afterEhlo, connection.Capabilities.StartTls ? "none (TLS policy unusable)" : "none (not offered)");
        }
    }

    private async Task<Attempt> StartTlsAsync(
        SmtpClientConnection connection, NextHop hop, MxHost host, IPAddress address, string peer, string server, TlsPolicy policy, TimeSpan messageAge, CancellationToken ct)
    {
        // One reading of the certificate files for the whole attempt: a reload in between cannot mix
        // the certificate offered, the CAs checked against and the fingerprint the connection is cached under.
        ClientMaterial material = Tls.CurrentMaterial;
        if (Tls.HandshakeOptions(policy, host.HostName, material) is not { } handshake)
        {
            // Nothing to offer: as a handshake that cannot succeed, decided before STARTTLS is even sent.
            StartTlsDecision impossible = TlsDecision.AfterHandshakeFailed(policy, messageAge, _minimalBackoff);
            string reason = policy.Ciphers is not null && TlsProtocols.Narrow(SslProtocols.Tls12 | SslProtocols.Tls13, policy.Protocols) != SslProtocols.None
                ? $"ciphers={policy.Ciphers} names no usable cipher suite"
                : $"no TLS protocol left by protocols={policy.Protocols}";
            if (impossible.Action == TlsAction.PlaintextOk)
            {
                DeliveryTlsLog.PlaintextFallback(_logger, peer, reason);
                return Plaintext(connection, host, policy, $"none ({reason})");
            }

            await QuitAsync(connection).ConfigureAwait(false);
            return Skip(peer, impossible with { LogDetail = reason }, $"none ({reason})") with { DeferNow = impossible.Action == TlsAction.Defer };
        }

        StartTlsResult started;
        try
        {
            started = await connection.StartTlsAsync(handshake, ct).ConfigureAwait(false);
        }
        catch (SmtpClientException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return new Attempt(null, null, "4.4.2", e.Message, "none (connection lost at STARTTLS)");
        }

        if (started.DiscardedOctets > 0)
        {
            DeliveryTlsLog.InjectionDiscarded(_logger, peer, started.DiscardedOctets);
        }

        switch (started.Outcome)
        {
            case StartTlsOutcome.Refused:
            {
                SmtpReply reply = started.Reply;
                string text = string.Join(' ', reply.EnhancedCode is null ? reply.Lines : reply.Lines.Prepend(reply.EnhancedCode));
                StartTlsDecision refused = TlsDecision.AfterStartTlsRefused(policy, server, reply.Code, text);
                string summary = $"none (STARTTLS refused: {reply})";
                if (refused.Action != TlsAction.PlaintextOk)
                {
                    await QuitAsync(connection).ConfigureAwait(false);
                    return Skip(peer, refused, summary);
                }

                if (!connection.IsUsable)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return new Attempt(null, null, reply.EnhancedCode ?? DeliveryOutcomes.DefaultDsn(reply.Code), $"host {peer} said: {reply}", summary);
                }

                DeliveryTlsLog.PlaintextFallback(_logger, peer, refused.LogDetail ?? refused.Action.ToString());
                return Plaintext(connection, host, policy, summary);
            }

            case StartTlsOutcome.HandshakeFailed:
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                string summary = $"failed (handshake: {started.Failure})";
                StartTlsDecision failed = TlsDecision.AfterHandshakeFailed(policy, messageAge, _minimalBackoff);
                if (failed.Action != TlsAction.PlaintextOk)
                {
                    return Skip(peer, failed, summary) with { DeferNow = failed.Action == TlsAction.Defer };
                }

                DeliveryTlsLog.PlaintextFallback(_logger, peer, $"{started.Failure}; {failed.LogDetail}");
                return await AttemptAsync(hop, host, address, policy, messageAge, mayStartTls: false, ct).ConfigureAwait(false);
            }
        }

        TlsSession session = connection.Tls!;
        PeerExamination examination = Tls.Examine(policy, session, material);
        string trust = examination.Trust(policy.Level);
        string established = $"{session.Protocol} {session.Cipher} {trust} CN={examination.Subject}";
        if (Tls.LogLevel >= 1)
        {
            DeliveryTlsLog.Established(_logger, char.ToUpperInvariant(trust[0]) + trust[1..], peer, session.Protocol, session.Cipher,
                examination.Subject, examination.Issuer, examination.CertificateFingerprint, examination.ChainProblem ?? "chain verified");
        }

        if (Tls.LogLevel >= 3)
        {
            for (int depth = 0; depth < session.PeerChain.Count; depth++)
            {
                DeliveryTlsLog.ChainCertificate(_logger, peer, depth, session.PeerChain[depth].Subject, session.PeerChain[depth].Issuer);
            }
        }

        if (connection.Refusal is { } refusal)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return new Attempt(null, null, "4.4.1", $"host {peer} refused to talk to me: {refusal}", established);
        }

        StartTlsDecision judged = TlsDecision.AfterHandshake(policy, examination.Facts);
        if (judged.IsFailure)
        {
            await QuitAsync(connection).ConfigureAwait(false);
            // The chain's own problem (expired, unknown CA) says more than "certificate not trusted".
            string detail = judged.LogDetail == "certificate not trusted" && examination.ChainProblem is { } chainProblem
                ? chainProblem
                : judged.LogDetail ?? "";
            // The detail goes to the log only: the deferral reason the sender may see stays Postfix's.
            return Skip(peer, judged with { LogDetail = detail }, established);
        }

        return new Attempt(connection, new ConnectionTls(host.HostName, policy, material.Fingerprint, trust, established), "2.0.0", "", established);
    }

    private Attempt Plaintext(SmtpClientConnection connection, MxHost host, TlsPolicy policy, string summary) =>
        new(connection, new ConnectionTls(host.HostName, policy, Tls.ClientCertificateFingerprint, null, summary), "2.0.0", "", summary);

    private Attempt Skip(string peer, StartTlsDecision decision, string summary)
    {
        if (decision.LogDetail is { Length: > 0 } detail)
        {
            DeliveryTlsLog.HostSkippedBecause(_logger, peer, $"{decision.Dsn} {decision.Reason}", detail);
        }
        else
        {
            DeliveryTlsLog.HostSkipped(_logger, peer, $"{decision.Dsn} {decision.Reason}");
        }

        return new Attempt(null, null, decision.Dsn!, decision.Reason!, summary);
    }

    /// <summary>TCP connect within the connect timeout, then the greeting and EHLO.</summary>
    private async Task<(SmtpClientConnection? Connection, string? Failure)> OpenAsync(IPAddress address, int port, string peer, CancellationToken ct)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _options.Clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
            await socket.ConnectAsync(new IPEndPoint(address, port), linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, $"connect to {peer}: {(e is SocketException s ? s.Message : "Connection timed out")}");
        }

        SmtpClientConnection connection;
        try
        {
            connection = await SmtpClientConnection.OpenAsync(new NetworkStream(socket, ownsSocket: true), peer, _options, ct).ConfigureAwait(false);
        }
        catch (SmtpClientException e)
        {
            return (null, e.Message);
        }

        if (connection.Refusal is { } refusal)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return (null, $"host {peer} refused to talk to me: {refusal}");
        }

        return (connection, null);
    }

    private static async Task QuitAsync(SmtpClientConnection connection)
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await connection.QuitAsync(timeout.Token).ConfigureAwait(false);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One connection attempt: a connection meeting the policy, or the reason for the next host.</summary>
    private sealed record Attempt(SmtpClientConnection? Connection, ConnectionTls? Tls, string Dsn, string Reason, string? TlsSummary)
    {
        /// <summary>Defer the mail now instead of trying further hosts.</summary>
        public bool DeferNow { get; init; }
    }
}
