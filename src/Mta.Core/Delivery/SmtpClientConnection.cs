using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;
using Mta.Core.Queue;
using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>
/// The client side of one SMTP connection for onward delivery, over a stream that is already
/// connected. It greets the server, learns its extensions, and runs mail transactions one after the
/// other: MAIL, RCPT and DATA pipelined when the server offers PIPELINING (RFC 2920), the content
/// streamed from the spool in canonical form (CRLF, dot-stuffed, lines folded at 998 octets), and
/// 8-bit content converted to 7 bit for servers without 8BITMIME, as Postfix's smtp client does.
/// STARTTLS (RFC 3207) replaces the stream by TLS over it when the caller asks; whether to ask and
/// whether the result is good enough is the caller's TLS policy. Every wait is bounded by its
/// stage's timeout from <see cref="ClientOptions"/>.
/// </summary>
/// <remarks>
/// One caller at a time: the methods must not overlap. A timeout, lost connection or malformed reply
/// throws <see cref="SmtpClientException"/> and leaves the connection unusable; ordinary 4xx and 5xx
/// replies never throw but come back in the results. The connection owns the stream and disposes it.
/// </remarks>
public sealed class SmtpClientConnection : IAsyncDisposable
{
    // Content is read from the spool and written to the server this many octets at a time.
    private const int ContentChunkOctets = 64 * 1024;

    // Postfix keeps at most one VSTREAM buffer (4096 octets) of pipelined commands unanswered, so neither
    // side can fill its send buffer while the other is not reading (RFC 2920 section 3.1).
    private const int PipelineWindowOctets = 4096;

    private readonly ClientOptions _options;
    private readonly SmtpReplyReader _replies = new();
    private Stream _stream;
    private PipeReader _input;
    private PipeWriter _output;

    // The conversation is in an unknown state (or the server is closing): nothing more may be written.
    private bool _broken;

    // The conversation is intact but the server will not take another transaction on it.
    private bool _reuseRefused;
    private bool _quitSent;
    private bool _disposed;

    private SmtpClientConnection(Stream stream, string peerName, ClientOptions options)
    {
        _options = options;
        PeerName = peerName;
        _stream = stream;
        (_input, _output) = AttachPipes(stream);
    }

    /// <summary>The server as named in messages: the name given to <see cref="OpenAsync(Stream, string, ClientOptions, CancellationToken)"/>, or its address.</summary>
    public string PeerName { get; }

    /// <summary>The server's greeting; null only if it never came.</summary>
    public SmtpReply? Greeting { get; private set; }

    /// <summary>
    /// Set when the server would not talk: its greeting was not 2xx, it answered EHLO with 421, or it
    /// refused HELO too. Postfix reports it as "host X refused to talk to me: reply". Nothing can be sent.
    /// </summary>
    public SmtpReply? Refusal { get; private set; }

    /// <summary>What the server offered in its EHLO reply; nothing after HELO or a refusal.</summary>
    public ServerCapabilities Capabilities { get; private set; } = ServerCapabilities.Unknown;

    /// <summary>The TLS session after a successful <see cref="StartTlsAsync"/>; null while the conversation is in plaintext.</summary>
    public TlsSession? Tls { get; private set; }

    /// <summary>Whether another transaction may be sent: not refused, not broken, not closed by the server.</summary>
    public bool IsUsable => Refusal is null && !_broken && !_reuseRefused && !_quitSent && !_disposed;

    /// <summary>
    /// Greets the server over <paramref name="stream"/>, naming it by its address in messages.
    /// See <see cref="OpenAsync(Stream, string, ClientOptions, CancellationToken)"/>.
    /// </summary>
    public static Task<SmtpClientConnection> OpenAsync(Stream stream, ClientOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string peerName = stream is NetworkStream { Socket.RemoteEndPoint: IPEndPoint remote } ? $"[{remote.Address}]" : "unknown";
        return OpenAsync(stream, peerName, options, ct);
    }

    /// <summary>
    /// Reads the greeting, sends EHLO (HELO when EHLO is refused with anything but 421, as Postfix does)
    /// and reads the extensions. A server that will not talk is not an exception: the connection comes
    /// back with <see cref="Refusal"/> set.
    /// </summary>
    /// <param name="stream">A connected stream; from this call on the connection owns it, also when opening fails.</param>
    /// <param name="peerName">How to name the server in messages, as Postfix does: <c>host[address]</c>.</param>
    /// <param name="options">HELO name and timeouts.</param>
    /// <param name="ct">Abandons the attempt.</param>
    /// <exception cref="SmtpClientException">Timeout, lost connection or malformed reply.</exception>
    public static async Task<SmtpClientConnection> OpenAsync(Stream stream, string peerName, ClientOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(peerName);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new SmtpClientConnection(stream, peerName, options);
        try
        {
            options.Validate();
            await connection.GreetAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Sends STARTTLS and, when the server agrees, runs the TLS handshake and greets it again.
    /// On a 2xx reply every octet the server sent after it in the same read is discarded
    /// (response injection: nothing sent in plaintext may pass for an answer inside TLS), the
    /// handshake runs on the raw stream, the pipes are attached to the TLS stream, and EHLO is
    /// sent again: the capabilities are those the server announces inside TLS.
    /// </summary>
    /// <param name="options">
    /// The handshake options. The server certificate is not judged here: the validation callback of
    /// <paramref name="options"/> decides whether the handshake may complete (without one, the
    /// platform's validation does), and the caller's policy judges <see cref="Tls"/> afterwards.
    /// </param>
    /// <param name="ct">Abandons the attempt; the connection is unusable afterwards.</param>
    /// <returns>
    /// <see cref="StartTlsOutcome.Refused"/> leaves the plaintext conversation usable (unless the reply
    /// was 421); <see cref="StartTlsOutcome.HandshakeFailed"/> leaves the connection unusable;
    /// <see cref="StartTlsOutcome.Established"/> sets <see cref="Tls"/>, and <see cref="Refusal"/> when
    /// the server refused the new EHLO.
    /// </returns>
    /// <exception cref="SmtpClientException">Timeout, lost connection or malformed reply before the handshake or at the new EHLO.</exception>
    /// <exception cref="InvalidOperationException">The connection is not usable, or TLS is already active.</exception>
    public async Task<StartTlsResult> StartTlsAsync(SslClientAuthenticationOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureUsable();
        if (Tls is not null)
        {
            throw new InvalidOperationException($"TLS is already active with {PeerName}.");
        }

        SmtpReply reply = await ExchangeAsync("STARTTLS", SmtpClientStage.StartTls, _options.EhloTimeout, ct).ConfigureAwait(false);
        if (!reply.IsPositiveCompletion)
        {
            NoteClosing(reply);
            return new StartTlsResult(StartTlsOutcome.Refused, reply, 0, null);
        }

        int discarded = await DetachPipesAsync().ConfigureAwait(false);
        var peerChain = new List<X509Certificate2>();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = ssl;
        (_input, _output) = AttachPipes(ssl);
        using (var timer = new CancellationTokenSource(_options.StartTlsTimeout, _options.Clock))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token))
        {
            try
            {
                await ssl.AuthenticateAsClientAsync(CapturingPeerChain(options, peerChain), linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or SocketException
                || (e is OperationCanceledException && timer.IsCancellationRequested && !ct.IsCancellationRequested))
            {
                _broken = true;
                DisposeAll(peerChain);
                string failure = e is OperationCanceledException ? "handshake timed out" : Innermost(e).Message;
                return new StartTlsResult(StartTlsOutcome.HandshakeFailed, reply, discarded, failure);
            }
            catch
            {
                _broken = true;
                DisposeAll(peerChain);
                throw;
            }
        }

        Tls = new TlsSession(TlsSession.ProtocolName(ssl.SslProtocol), ssl.NegotiatedCipherSuite.ToString(), peerChain);

        // RFC 3207 section 4.2: everything learned before TLS is forgotten; the server announces itself again.
        Capabilities = ServerCapabilities.Unknown;
        SmtpReply ehlo = await ExchangeAsync($"EHLO {_options.HeloName}", SmtpClientStage.Ehlo, _options.EhloTimeout, ct).ConfigureAwait(false);
        if (ehlo.IsPositiveCompletion)
        {
            Capabilities = ServerCapabilities.FromEhloReply(ehlo);
        }
        else
        {
            NoteClosing(ehlo);
            Refusal = ehlo;
        }

        return new StartTlsResult(StartTlsOutcome.Established, reply, discarded, null);
    }

    /// <summary>
    /// Runs one mail transaction for some recipients of a message. Recipients refused at RCPT are
    /// reported with that reply and the message still goes to the others; DATA is sent only while a
    /// recipient may still be accepted.
    /// </summary>
    /// <param name="envelope">The message.</param>
    /// <param name="recipientIndexes">Which of <see cref="MessageEnvelope.Recipients"/> to send to; at least one.</param>
    /// <param name="openBody">Opens a new read stream over the stored body; called once or twice (a scan for 8-bit octets before sending to a server without 8BITMIME). The stream is disposed after use.</param>
    /// <param name="ct">Abandons the transaction; the connection is unusable afterwards.</param>
    /// <returns>One outcome per recipient, the MAIL reply, and whether the connection may be reused.</returns>
    /// <exception cref="SmtpClientException">Timeout, lost connection or malformed reply; see <see cref="SmtpClientException.AfterDataDot"/>.</exception>
    /// <exception cref="InvalidOperationException">The connection is not usable.</exception>
    /// <remarks>An exception from reading the body leaves the connection unusable, with the message unfinished so the server discards it.</remarks>
    public async Task<TransactionResult> SendAsync(
        MessageEnvelope envelope,
        IReadOnlyList<int> recipientIndexes,
        Func<Stream> openBody,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipientIndexes);
        ArgumentNullException.ThrowIfNull(openBody);
        if (recipientIndexes.Count == 0)
        {
            throw new ArgumentException("A transaction needs at least one recipient.", nameof(recipientIndexes));
        }

        foreach (int index in recipientIndexes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(recipientIndexes));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, envelope.Recipients.Length, nameof(recipientIndexes));
        }

        EnsureUsable();
        bool bodyHasEightBit = TransactionPlan.MustScanBody(envelope, Capabilities)
            && await ContainsEightBitAsync(openBody, ct).ConfigureAwait(false);
        TransactionPlan plan = TransactionPlan.Create(envelope, recipientIndexes, Capabilities, PeerName, bodyHasEightBit);
        if (plan.LocalFailure is { } failure)
        {
            return new TransactionResult(recipientIndexes.Select(index => new RecipientOutcome(index, failure)).ToArray(), null, ConnectionUsable: true);
        }

        // Only the conversion path parses the message, and it does so before MAIL so that a message
        // MimeKit cannot load leaves the connection clean.
        using MimeMessage? converted = plan.Conversion == ContentConversion.None
            ? null
            : await LoadConvertedAsync(openBody, plan.Conversion, ct).ConfigureAwait(false);
        try
        {
            return await TransactAsync(plan, recipientIndexes, openBody, converted, ct).ConfigureAwait(false);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    /// <summary>
    /// Sends RSET before reusing the connection for another transaction.
    /// </summary>
    /// <returns>True on 250; false when the server refuses, has closed or does not answer in time, after which the connection is not reused (as Postfix does).</returns>
    public async Task<bool> ResetAsync(CancellationToken ct)
    {
        if (!IsUsable)
        {
            return false;
        }

        try
        {
            SmtpReply reply = await ExchangeAsync("RSET", SmtpClientStage.Rset, _options.RsetTimeout, ct).ConfigureAwait(false);
            if (reply.IsPositiveCompletion)
            {
                return true;
            }

            NoteClosing(reply);
            _reuseRefused = true;
            return false;
        }
        catch (SmtpClientException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ends the conversation politely with QUIT and waits for the reply. Best effort: nothing is sent on
    /// a broken or server-closed conversation, and a timeout or lost connection is not an error here.
    /// </summary>
    public async Task QuitAsync(CancellationToken ct)
    {
        if (_broken || _quitSent || _disposed)
        {
            return;
        }

        _quitSent = true;
        try
        {
            await ExchangeAsync("QUIT", SmtpClientStage.Quit, _options.QuitTimeout, ct).ConfigureAwait(false);
        }
        catch (SmtpClientException)
        {
            // The server may close without answering QUIT; the mail is already settled either way.
        }
    }

    /// <summary>Closes the stream. Content not yet flushed is dropped, so an unfinished message is never completed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (Tls is not null)
        {
            DisposeAll(Tls.PeerChain);
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // Completing flushes what is buffered; the stream is closed first precisely so that it cannot.
        }
    }

    /// <summary>The one place where the byte stream becomes pipes, so a stream can be replaced (by TLS) later.</summary>
    private static (PipeReader Input, PipeWriter Output) AttachPipes(Stream stream) => (
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));

    /// <summary>
    /// Completes the pipes over the current stream and returns how many octets had been read but not
    /// consumed: they are dropped with the pipe, never parsed.
    /// </summary>
    private async Task<int> DetachPipesAsync()
    {
        int buffered = 0;
        if (_input.TryRead(out ReadResult unread))
        {
            buffered = (int)unread.Buffer.Length;
            _input.AdvanceTo(unread.Buffer.End);
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        return buffered;
    }

    /// <summary>
    /// A copy of <paramref name="options"/> whose validation callback first keeps a copy of every
    /// certificate the server sent (its own, then the rest of the chain it sent), then asks the
    /// caller's callback, or the platform's verdict when there is none.
    /// </summary>
    private static SslClientAuthenticationOptions CapturingPeerChain(SslClientAuthenticationOptions options, List<X509Certificate2> peerChain)
    {
        RemoteCertificateValidationCallback? inner = options.RemoteCertificateValidationCallback;
        return new SslClientAuthenticationOptions
        {
            TargetHost = options.TargetHost,
            ClientCertificates = options.ClientCertificates,
            ClientCertificateContext = options.ClientCertificateContext,
            LocalCertificateSelectionCallback = options.LocalCertificateSelectionCallback,
            EnabledSslProtocols = options.EnabledSslProtocols,
            CertificateRevocationCheckMode = options.CertificateRevocationCheckMode,
            EncryptionPolicy = options.EncryptionPolicy,
            CipherSuitesPolicy = options.CipherSuitesPolicy,
            AllowRenegotiation = options.AllowRenegotiation,
            AllowTlsResume = options.AllowTlsResume,
            ApplicationProtocols = options.ApplicationProtocols,
            CertificateChainPolicy = options.CertificateChainPolicy,
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                // The platform disposes its chain after the callback: keep copies.
                DisposeAll(peerChain);
                peerChain.Clear();
                if (certificate is not null)
                {
                    peerChain.Add(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                }

                foreach (X509Certificate2 sent in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    if (!peerChain.Exists(known => known.RawDataMemory.Span.SequenceEqual(sent.RawDataMemory.Span)))
                    {
                        peerChain.Add(X509CertificateLoader.LoadCertificate(sent.RawDataMemory.Span));
                    }
                }

                return inner?.Invoke(sender, certificate, chain, errors) ?? errors == SslPolicyErrors.None;
            },
        };
    }

    private static void DisposeAll(IEnumerable<X509Certificate2> certificates)
    {
        foreach (X509Certificate2 certificate in certificates)
        {
            certificate.Dispose();
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }

    private static async Task<bool> ContainsEightBitAsync(Func<Stream> openBody, CancellationToken ct)
    {
        Stream body = openBody();
        await using (body.ConfigureAwait(false))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ContentChunkOctets);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, ContentChunkOctets), ct).ConfigureAwait(false)) > 0)
                {
                    if (buffer.AsSpan(0, read).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<MimeMessage> LoadConvertedAsync(Func<Stream> openBody, ContentConversion conversion, CancellationToken ct)
    {
        Stream body = openBody();
        await using (body.ConfigureAwait(false))
        {
            MimeMessage message = await MimeMessage.LoadAsync(body, ct).ConfigureAwait(false);
            message.Prepare(conversion == ContentConversion.SevenBit ? EncodingConstraint.SevenBit : EncodingConstraint.EightBit);
            return message;
        }
    }

    private async Task GreetAsync(CancellationToken ct)
    {
        Greeting = await ExchangeAsync(null, SmtpClientStage.Greeting, _options.GreetingTimeout, ct).ConfigureAwait(false);
        if (!Greeting.IsPositiveCompletion)
        {
            Refusal = Greeting;
            return;
        }

        SmtpReply ehlo = await ExchangeAsync($"EHLO {_options.HeloName}", SmtpClientStage.Ehlo, _options.EhloTimeout, ct).ConfigureAwait(false);
        if (ehlo.IsPositiveCompletion)
        {
            Capabilities = ServerCapabilities.FromEhloReply(ehlo);
            return;
        }

        if (ehlo.Code == 421)
        {
            NoteClosing(ehlo);
            Refusal = ehlo;
            return;
        }

        SmtpReply helo = await ExchangeAsync($"HELO {_options.HeloName}", SmtpClientStage.Helo, _options.EhloTimeout, ct).ConfigureAwait(false);
        if (helo.IsPositiveCompletion)
        {
            Capabilities = ServerCapabilities.FromHeloReply(helo);
            return;
        }

        NoteClosing(helo);
        Refusal = helo;
    }

    private async Task<TransactionResult> TransactAsync(
        TransactionPlan plan,
        IReadOnlyList<int> recipientIndexes,
        Func<Stream> openBody,
        MimeMessage? converted,
        CancellationToken ct)
    {
        int recipientCount = recipientIndexes.Count;
        SmtpReply?[] replies = await ExchangeEnvelopeAsync(plan, ct).ConfigureAwait(false);
        SmtpReply? mailReply = replies[0];
        SmtpReply? dataReply = replies[^1];

        // The reply that ended the conversation early, given to every recipient not yet decided.
        SmtpReply? closing = Array.Find(replies, reply => reply?.Code == 421);
        bool mailAccepted = mailReply is { IsPositiveCompletion: true };
        var outcomes = new SmtpReply?[recipientCount];
        var accepted = new List<int>(recipientCount);
        for (int i = 0; i < recipientCount; i++)
        {
            SmtpReply? rcptReply = replies[i + 1];
            if (!mailAccepted)
            {
                outcomes[i] = mailReply ?? closing;
            }
            else if (rcptReply is null)
            {
                outcomes[i] = closing;
            }
            else if (!rcptReply.IsPositiveCompletion)
            {
                outcomes[i] = rcptReply;
            }
            else
            {
                accepted.Add(i);
            }
        }

        if (dataReply is { IsPositiveIntermediate: true } && accepted.Count == 0)
        {
            // A server that opened DATA without a valid recipient (only possible when pipelining) is in
            // the middle of a message; ending it could deliver an empty one, so the conversation is dropped.
            _broken = true;
        }
        else if (accepted.Count > 0)
        {
            SmtpReply final = dataReply switch
            {
                null => closing!,
                { IsPositiveIntermediate: true } => await SendContentAsync(openBody, converted, ct).ConfigureAwait(false),
                { IsPositiveCompletion: true } => throw new SmtpClientException(
                    SmtpClientStage.Data, $"{PeerName} answered DATA with \"{dataReply}\" instead of 354", afterDataDot: false),
                _ => dataReply,
            };
            NoteClosing(final);
            foreach (int i in accepted)
            {
                outcomes[i] = final;
            }
        }

        var results = new RecipientOutcome[recipientCount];
        for (int i = 0; i < recipientCount; i++)
        {
            results[i] = new RecipientOutcome(recipientIndexes[i], outcomes[i]!);
        }

        return new TransactionResult(results, mailReply, ConnectionUsable: !_broken && !_reuseRefused);
    }

    /// <summary>
    /// Sends MAIL, the RCPTs and DATA and reads their replies in order. With PIPELINING the commands go
    /// out together, up to <see cref="PipelineWindowOctets"/> unanswered; without it, one at a time.
    /// Nothing more is sent once MAIL is refused or every RCPT is, or after a 421.
    /// </summary>
    /// <returns>The replies: MAIL first, then one per RCPT, then DATA; null where a command was not answered.</returns>
    private async Task<SmtpReply?[]> ExchangeEnvelopeAsync(TransactionPlan plan, CancellationToken ct)
    {
        int recipientCount = plan.RcptCommands.Count;
        int dataIndex = recipientCount + 1;
        var commands = new string[recipientCount + 2];
        commands[0] = plan.MailCommand;
        for (int i = 0; i < recipientCount; i++)
        {
            commands[i + 1] = plan.RcptCommands[i];
        }

        commands[dataIndex] = "DATA";
        var octets = commands.Select(command => Encoding.UTF8.GetByteCount(command) + 2).ToArray();
        var replies = new SmtpReply?[commands.Length];
        int sent = 0;
        int received = 0;
        int unanswered = 0;
        while (true)
        {
            while (sent < commands.Length
                && MaySend(sent)
                && (sent == received || (Capabilities.Pipelining && unanswered + octets[sent] <= PipelineWindowOctets)))
            {
                WriteCommand(commands[sent]);
                unanswered += octets[sent];
                sent++;
            }

            if (received == sent)
            {
                return replies;
            }

            (string stage, TimeSpan timeout) = received switch
            {
                0 => (SmtpClientStage.MailFrom, _options.MailTimeout),
                _ when received == dataIndex => (SmtpClientStage.Data, _options.DataInitTimeout),
                _ => (SmtpClientStage.RcptTo, _options.RcptTimeout),
            };
            SmtpReply reply = await ExchangeAsync(null, stage, timeout, ct).ConfigureAwait(false);
            replies[received] = reply;
            unanswered -= octets[received];
            received++;
            if (reply.Code == 421)
            {
                NoteClosing(reply);
                return replies;
            }
        }

        bool MaySend(int index)
        {
            if (replies[0] is { IsPositiveCompletion: false })
            {
                return false;
            }

            if (index != dataIndex || received < dataIndex)
            {
                return true;
            }

            for (int i = 1; i < dataIndex; i++)
            {
                if (replies[i] is { IsPositiveCompletion: true })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Streams the content after a 354, then the final "." and its reply.</summary>
    private async Task<SmtpReply> SendContentAsync(Func<Stream> openBody, MimeMessage? converted, CancellationToken ct)
    {
        var encoder = new DataEncoder();
        if (converted is null)
        {
            Stream body = openBody();
            await using (body.ConfigureAwait(false))
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(ContentChunkOctets);
                try
                {
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(0, ContentChunkOctets), ct).ConfigureAwait(false)) > 0)
                    {
                        encoder.Encode(buffer.AsSpan(0, read), _output);
                        await FlushContentAsync(ct).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        else
        {
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            var content = new DataEncodingStream(encoder, _output, FlushContentAsync, ContentChunkOctets);
            await using (content.ConfigureAwait(false))
            {
                await converted.WriteToAsync(format, content, ct).ConfigureAwait(false);
                await content.FlushAsync(ct).ConfigureAwait(false);
            }
        }

        encoder.Complete(_output);
        return await ExchangeAsync(null, SmtpClientStage.EndOfData, _options.DataDoneTimeout, ct).ConfigureAwait(false);
    }

    private async ValueTask FlushContentAsync(CancellationToken ct) =>
        await RunStageAsync(SmtpClientStage.MessageBody, _options.DataXferTimeout, ct, async token =>
        {
            await _output.FlushAsync(token).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    /// <summary>Writes a command (if any), flushes what is buffered and reads one reply, all within one timeout.</summary>
    private Task<SmtpReply> ExchangeAsync(string? command, string stage, TimeSpan timeout, CancellationToken ct)
    {
        if (command is not null)
        {
            WriteCommand(command);
        }

        return RunStageAsync(stage, timeout, ct, async token =>
        {
            await _output.FlushAsync(token).ConfigureAwait(false);
            return await ReadReplyAsync(stage, token).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Runs one step of the conversation under its stage timeout and turns a timeout or an I/O error into
    /// <see cref="SmtpClientException"/>. Any failure leaves the conversation in an unknown state.
    /// </summary>
    private async Task<T> RunStageAsync<T>(string stage, TimeSpan timeout, CancellationToken ct, Func<CancellationToken, Task<T>> step)
    {
        bool afterDataDot = stage == SmtpClientStage.EndOfData;
        using var timer = new CancellationTokenSource(timeout, _options.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            return await step(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            _broken = true;
            throw new SmtpClientException(stage, $"conversation with {PeerName} timed out while {SmtpClientStage.Activity(stage)}", afterDataDot, e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            _broken = true;
            throw new SmtpClientException(stage, $"lost connection with {PeerName} while {SmtpClientStage.Activity(stage)}", afterDataDot, e);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    private async Task<SmtpReply> ReadReplyAsync(string stage, CancellationToken token)
    {
        while (true)
        {
            ReadResult result = await _input.ReadAsync(token).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (_replies.TryRead(ref buffer, out SmtpReply? reply, out string? protocolError))
            {
                _input.AdvanceTo(buffer.Start);
                return reply;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (protocolError is not null)
            {
                throw new SmtpClientException(
                    stage, $"malformed reply from {PeerName} while {SmtpClientStage.Activity(stage)}: {protocolError}", stage == SmtpClientStage.EndOfData);
            }

            if (result.IsCompleted)
            {
                throw new SmtpClientException(
                    stage, $"lost connection with {PeerName} while {SmtpClientStage.Activity(stage)}", stage == SmtpClientStage.EndOfData);
            }
        }
    }

    private void WriteCommand(string command)
    {
        Span<byte> span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(command.Length) + 2);
        int length = Encoding.UTF8.GetBytes(command, span);
        span[length++] = (byte)'\r';
        span[length++] = (byte)'\n';
        _output.Advance(length);
    }

    /// <summary>421: the server is closing the connection (RFC 5321 section 3.8); nothing more may be sent.</summary>
    private void NoteClosing(SmtpReply reply)
    {
        if (reply.Code == 421)
        {
            _broken = true;
        }
    }

    private void EnsureUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsUsable)
        {
            throw new InvalidOperationException(Refusal is not null
                ? $"host {PeerName} refused to talk: {Refusal}"
                : $"the connection with {PeerName} cannot carry another transaction");
        }
    }
}
