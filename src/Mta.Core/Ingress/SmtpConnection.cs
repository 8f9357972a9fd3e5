using System.Buffers;
using System.ComponentModel;
using System.Net.Security;
using System.Security.Authentication;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using static Mta.Core.Ingress.SessionProtocol;

namespace Mta.Core.Ingress;

/// <summary>Limits and collaborators every connection of a listener shares.</summary>
public sealed record ConnectionOptions(
    string MyHostname,
    TimeSpan Timeout,
    bool PerRequestDeadline,
    int MinDataRate,
    TimeSpan GreetPause,
    SpoolStore Spool,
    ChannelWriter<QueueProtocol.EnqueueRequest> Commit,
    TimeProvider Clock)
{
    /// <summary>The server's TLS, when it has a certificate.</summary>
    public ServerTls? Tls { get; init; }

    /// <summary>How much TLS is logged (mta.smtpd.tls.loglevel).</summary>
    public int TlsLogLevel { get; init; }

    /// <summary>Finds each client's host name before the greeting (mta.smtpd.peername-lookup).</summary>
    public ClientNameResolver ClientNames { get; init; } = ClientNameResolver.None;
}

/// <summary>
/// The I/O pump of one SMTP connection. It reads command lines and message content from the
/// socket through System.IO.Pipelines, tells the session actor what arrived, and carries out the
/// actor's instructions: write this reply, then read a command, read content into the spool,
/// submit the message, or close. Replies to pipelined commands are flushed only when the input
/// is drained. It never reads ahead of the command the actor is deciding, so nothing is read
/// from the socket that a protocol change (STARTTLS) would have to discard unseen.
/// </summary>
public sealed class SmtpConnection : ISmtpConnection
{
    private readonly Socket _socket;
    private readonly ConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Instruction> _instructions = Channel.CreateUnbounded<Instruction>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();

    // One timer for every wait of the connection (a read, the actor's next instruction), re-armed
    // for each: the first wait that runs out ends the connection, so it never needs resetting.
    // An abort cancels it too, so a wait needs only its token.
    private readonly CancellationTokenSource _waitLimit;
    private readonly CancellationTokenRegistration _abortEndsWaits;
    private readonly SmtpLineReader _lines = new();
    private readonly DataDecoder _decoder = new();
    private readonly RequestDeadline _deadline;
    private Stream _stream;
    private PipeReader _input;
    private PipeWriter _output;
    private ReadOnlySequence<byte> _buffer;
    private bool _holdingBuffer;
    private IActorRef _session = ActorRefs.Nobody;
    private string _clientName = ClientNameResolver.Unknown;
    private SpoolBodyWriter? _body;
    private int _shutdownRequested;
    private volatile bool _readingCommand;
    private readonly bool _implicitTls;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wraps an accepted socket; on a TLS listener (<paramref name="implicitTls"/>) the handshake comes before the greeting.</summary>
    public SmtpConnection(Socket socket, ConnectionOptions options, ILogger logger, bool implicitTls = false)
    {
        _implicitTls = implicitTls;
        _socket = socket;
        _options = options;
        _logger = logger;
        _deadline = new RequestDeadline(options.Timeout, options.PerRequestDeadline, options.MinDataRate);
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        _waitLimit = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.Clock);
        _abortEndsWaits = _abort.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _waitLimit);
    }

    /// <summary>The client.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The address the client connected to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Completes when the connection has ended and its socket is closed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Called by the session actor: what to do next. Thread-safe, never blocks.</summary>
    public void Instruct(Instruction instruction) => _instructions.Writer.TryWrite(instruction);

    /// <summary>
    /// Graceful shutdown: a session waiting for a command gets 421 and is closed now; one in the
    /// middle of a message finishes it first.
    /// </summary>
    public void RequestShutdown()
    {
        if (Interlocked.Exchange(ref _shutdownRequested, 1) == 0 && _readingCommand)
            _input.CancelPendingRead();
    }

    /// <summary>Ends the connection at once.</summary>
    public void Abort() => _abort.Cancel();

    /// <summary>Runs the connection to its end with <paramref name="session"/> deciding.</summary>
    public async Task RunAsync(IActorRef session)
    {
        _session = session;
        var reason = "client closed the connection";
        try
        {
            // As Postfix: the client's name is known before anything else happens on the connection.
            if (_options.ClientNames.Enabled)
                _clientName = await _options.ClientNames.ResolveAsync(RemoteEndPoint.Address, _abort.Token).ConfigureAwait(false);
            if (_implicitTls && !await HandshakeAsync().ConfigureAwait(false))
                return;
            if (_options.GreetPause > TimeSpan.Zero && !await GreetPauseAsync().ConfigureAwait(false))
                return;
            _session.Tell(new Started(_clientName));
            while (true)
            {
                var instruction = await NextInstructionAsync().ConfigureAwait(false);
                if (instruction is null)
                {
                    reason = "queue did not answer";
                    await TryWriteAsync(Replies.LocalErrorInProcessing).ConfigureAwait(false);
                    return;
                }
                if (instruction.Reply is not null) _output.Write(instruction.Reply.Encoded.Span);
                switch (instruction.Next)
                {
                    case Step.ReadCommand:
                        if (!await ReadCommandAsync().ConfigureAwait(false)) return;
                        break;
                    case Step.ReadData:
                        if (!await ReadDataAsync(instruction).ConfigureAwait(false)) return;
                        break;
                    case Step.ReadChunk:
                        if (!await ReadChunkAsync(instruction).ConfigureAwait(false)) return;
                        break;
                    case Step.Submit:
                        await SubmitAsync(instruction.Envelope!).ConfigureAwait(false);
                        break;
                    case Step.Close:
                        reason = "session ended";
                        await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
                        return;
                    case Step.StartTls:
                        if (!await StartTlsAsync().ConfigureAwait(false))
                        {
                            reason = "TLS handshake failed";
                            return;
                        }
                        break;
                }
            }
        }
        catch (TimeoutException)
        {
            reason = "timeout";
            await TryWriteAsync(Replies.TimeoutFor(_options.MyHostname)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = "aborted";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = e.Message;
        }
        finally
        {
            _body?.Dispose();
            _body = null;
            _session.Tell(new Closed(reason));
            try
            {
                Close();
            }
            finally
            {
                // Whatever closing met, the connection is over: the listener and shutdown wait on this.
                _abortEndsWaits.Dispose();
                _waitLimit.Dispose();
                _completion.TrySetResult();
            }
        }
    }

    /// <summary>
    /// RFC 3207 as Postfix orders it: the parser stopped at the STARTTLS line and no read is
    /// pending, so whatever else is buffered was sent before the client could have seen our 220:
    /// it is thrown away unseen (CVE-2011-0411). Then the 220 goes out in plaintext and the
    /// handshake runs on the raw socket.
    /// </summary>
    private async Task<bool> StartTlsAsync()
    {
        if (_holdingBuffer)
        {
            _input.AdvanceTo(_buffer.End);
            _holdingBuffer = false;
            _buffer = default;
        }
        await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
        return await HandshakeAsync().ConfigureAwait(false);
    }

    /// <summary>The server handshake; on success the pipes run over TLS and the actor hears the facts.</summary>
    private async Task<bool> HandshakeAsync()
    {
        var tls = _options.Tls ?? throw new InvalidOperationException("TLS requested without a certificate");
        // The plaintext pipes end here; they leave the socket open for the TLS stream.
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        if (_options.TlsLogLevel >= 2)
            _logger.LogInformation("setting up TLS connection from {ClientName}[{Client}] ({Mode})", _clientName, RemoteEndPoint.Address, _implicitTls ? "TLS listener" : "STARTTLS");
        using var timeout = new CancellationTokenSource(_options.Timeout, _options.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _abort.Token);
        try
        {
            await ssl.AuthenticateAsServerAsync(tls.Options, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or Win32Exception)
        {
            if (_options.TlsLogLevel > 0)
                _logger.LogInformation("TLS handshake failed with {ClientName}[{Client}]: {Reason}", _clientName, RemoteEndPoint.Address, e.Message);
            tls.Forget(ssl);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return false;
        }
        _stream = ssl;
        _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        _lines.Reset();
        var facts = tls.Describe(ssl);
        if (_options.TlsLogLevel >= 2)
            _logger.LogInformation("{ClientName}[{Client}]: TLS handshake done: {Protocol}, {Cipher}, client certificate {Presented}",
                _clientName, RemoteEndPoint.Address, facts.Protocol, facts.Cipher, facts.CertificateRequested ? (facts.ClientCertificate ? "presented" : "not presented") : "not requested");
        if (_options.TlsLogLevel >= 3 && ssl.RemoteCertificate is { } remote)
        {
            using var certificate = new System.Security.Cryptography.X509Certificates.X509Certificate2(remote);
            _logger.LogInformation("{ClientName}[{Client}]: client certificate subject {Subject}, issuer {Issuer}, serial {Serial}, valid {NotBefore:u} to {NotAfter:u}",
                _clientName, RemoteEndPoint.Address, ServerTls.Sanitize(certificate.Subject), ServerTls.Sanitize(certificate.Issuer), certificate.SerialNumber,
                certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
        }
        if (_options.TlsLogLevel > 0)
            _logger.LogInformation("{Trust} TLS connection established from {ClientName}[{Client}]: {Protocol} with cipher {Cipher}; client CN {Subject}, issuer {Issuer}, fingerprint {Fingerprint}, public-key fingerprint {PublicKeyFingerprint}",
                !facts.ClientCertificate ? "Anonymous" : facts.Verified ? "Trusted" : "Untrusted", _clientName, RemoteEndPoint.Address, facts.Protocol, facts.Cipher,
                facts.Subject ?? "-", facts.Issuer ?? "-", facts.CertificateFingerprint ?? "-", facts.PublicKeyFingerprint ?? "-");
        _session.Tell(new TlsStarted(facts));
        return true;
    }

    /// <summary>
    /// The actor's next instruction. It answers at once except after a submit, where it waits for
    /// the group commit; if that takes longer than the session timeout the client is told 451
    /// (it keeps the message) instead of waiting forever.
    /// </summary>
    private async Task<Instruction?> NextInstructionAsync()
    {
        if (_instructions.Reader.TryRead(out var ready)) return ready;
        _waitLimit.CancelAfter(_options.Timeout);
        try
        {
            return await _instructions.Reader.ReadAsync(_waitLimit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            _waitLimit.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private async Task<bool> GreetPauseAsync()
    {
        await Task.Delay(_options.GreetPause, _options.Clock, _abort.Token).ConfigureAwait(false);
        if (_socket.Available == 0) return true;
        _logger.LogInformation("Client {Client} spoke before the greeting; closing", RemoteEndPoint);
        await TryWriteAsync(SmtpReply.Create(554, "5.5.0", "Error: SMTP protocol synchronization")).ConfigureAwait(false);
        return false;
    }

    /// <summary>Parses the next command line and tells the actor; false when the connection should end.</summary>
    private async Task<bool> ReadCommandAsync()
    {
        _deadline.Start(_options.Clock.GetUtcNow());
        while (true)
        {
            if (_holdingBuffer && _buffer.Length > 0)
            {
                var status = _lines.TryReadLine(ref _buffer, out var line);
                if (status == LineReadStatus.Line)
                {
                    var command = SmtpCommandParser.Parse(line);
                    _session.Tell(new CommandReceived(command, _buffer.Length > 0));
                    return true;
                }
                if (status == LineReadStatus.LineTooLong)
                {
                    _session.Tell(LineTooLong.Instance);
                    return true;
                }
            }
            if (Volatile.Read(ref _shutdownRequested) == 1)
            {
                await TryWriteAsync(Replies.ServiceNotAvailable(_options.MyHostname)).ConfigureAwait(false);
                return false;
            }
            // Input drained: the replies to everything pipelined so far go out together.
            await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
            _readingCommand = true;
            try
            {
                if (!await FillAsync().ConfigureAwait(false)) return false;
            }
            finally
            {
                _readingCommand = false;
            }
            _deadline.OnCommandBytes(_options.Clock.GetUtcNow());
        }
    }

    private async Task<bool> ReadDataAsync(Instruction instruction)
    {
        await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
        _deadline.Start(_options.Clock.GetUtcNow());
        _decoder.Reset();
        _decoder.DiscardAfter = instruction.Limit;
        var body = _body = _options.Spool.CreateWriter();
        string? writeError = null;
        if (instruction.Prefix is { } prefix) body.Write(prefix);
        while (true)
        {
            if (_holdingBuffer && _buffer.Length > 0)
            {
                var before = _buffer.Length;
                var status = _decoder.Decode(ref _buffer, writeError is null ? body : NullBufferWriter.Instance);
                _deadline.OnContent(_options.Clock.GetUtcNow(), before - _buffer.Length);
                if (writeError is null && body.Buffered >= SpoolBodyWriter.ChunkSize)
                    writeError = await TryFlushBodyAsync(body).ConfigureAwait(false);
                if (status == DataDecodeStatus.Complete) break;
            }
            if (!await FillAsync().ConfigureAwait(false)) return false;
        }
        await FinishContentAsync(body, writeError, _decoder.ReceivedHeaderCount, _decoder.Truncated, 0, last: true).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> ReadChunkAsync(Instruction instruction)
    {
        _deadline.Start(_options.Clock.GetUtcNow());
        var body = _body;
        if (instruction.Prefix is { } prefix && !instruction.Discard)
        {
            body?.Dispose();
            body = _body = _options.Spool.CreateWriter();
            body.Write(prefix);
            _chunkScanner.Reset();
        }
        var store = !instruction.Discard && body is not null;
        var remaining = instruction.ChunkSize;
        string? writeError = null;
        var tooBig = false;
        while (remaining > 0)
        {
            if (_holdingBuffer && _buffer.Length > 0)
            {
                var take = _buffer.Slice(0, Math.Min(remaining, _buffer.Length));
                if (store && body!.Length + take.Length > instruction.Limit)
                {
                    tooBig = true;
                    store = false;
                }
                if (store)
                {
                    foreach (var segment in take)
                    {
                        _chunkScanner.Scan(segment.Span);
                        body!.Write(segment.Span);
                    }
                    if (body!.Buffered >= SpoolBodyWriter.ChunkSize)
                    {
                        writeError = await TryFlushBodyAsync(body).ConfigureAwait(false);
                        if (writeError is not null) store = false;
                    }
                }
                _deadline.OnContent(_options.Clock.GetUtcNow(), take.Length);
                remaining -= take.Length;
                _buffer = _buffer.Slice(take.End);
                continue;
            }
            if (!await FillAsync().ConfigureAwait(false)) return false;
        }
        if (instruction.Discard || body is null)
        {
            _session.Tell(new ContentReceived(null, 0, 0, false, null, instruction.ChunkSize));
            return true;
        }
        if (tooBig || writeError is not null || instruction.LastChunk)
        {
            await FinishContentAsync(body, writeError, _chunkScanner.ReceivedHeaderCount, tooBig, instruction.ChunkSize, last: true).ConfigureAwait(false);
            return true;
        }
        _session.Tell(new ContentReceived(null, body.Length, _chunkScanner.ReceivedHeaderCount, false, null, instruction.ChunkSize));
        return true;
    }

    private readonly HeaderScanner _chunkScanner = new();

    private async Task FinishContentAsync(SpoolBodyWriter body, string? writeError, int receivedHeaders, bool tooBig, long chunkSize, bool last)
    {
        SpoolBody? stored = null;
        var length = body.Length;
        if (writeError is null && !tooBig)
        {
            try
            {
                stored = await body.CompleteAsync(_abort.Token).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                writeError = e.Message;
            }
        }
        if (stored is null)
        {
            body.Dispose();
            _body = null;
        }
        _session.Tell(new ContentReceived(stored, length, receivedHeaders, tooBig, writeError, chunkSize));
    }

    private async Task<string?> TryFlushBodyAsync(SpoolBodyWriter body)
    {
        try
        {
            await body.FlushAsync(_abort.Token).ConfigureAwait(false);
            return null;
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Spool write failed for a message from {Client}", RemoteEndPoint);
            return e.Message;
        }
    }

    private async Task SubmitAsync(MessageEnvelope envelope)
    {
        var body = _body ?? throw new InvalidOperationException("submit without a message body");
        _body = null;
        // A full channel waits here: that is the group commit's backpressure on sessions.
        await _options.Commit.WriteAsync(new QueueProtocol.EnqueueRequest(envelope, body, _session), _abort.Token).ConfigureAwait(false);
    }

    /// <summary>Reads more input into the held buffer; false at end of stream. Throws TimeoutException when the request's time is up.</summary>
    private async Task<bool> FillAsync()
    {
        if (_holdingBuffer)
        {
            _input.AdvanceTo(_buffer.Start, _buffer.End);
            _holdingBuffer = false;
        }
        var remaining = _deadline.Remaining(_options.Clock.GetUtcNow());
        if (remaining <= TimeSpan.Zero) throw new TimeoutException();
        _waitLimit.CancelAfter(remaining);
        ReadResult result;
        try
        {
            result = await _input.ReadAsync(_waitLimit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
        finally
        {
            _waitLimit.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        _buffer = result.Buffer;
        _holdingBuffer = true;
        if (result.IsCanceled) return _buffer.Length > 0 || Volatile.Read(ref _shutdownRequested) == 1;
        return !(result.IsCompleted && _buffer.Length == 0);
    }

    private async Task TryWriteAsync(SmtpReply reply)
    {
        try
        {
            _output.Write(reply.Encoded.Span);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _output.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone; nothing more to say to it.
        }
    }

    private void Close()
    {
        try
        {
            if (_holdingBuffer) _input.AdvanceTo(_buffer.End);
            _input.Complete();
            _output.Complete();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closed by the peer: what is left unsent cannot go anywhere.
        }
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // A TLS close_notify to a peer that is gone.
        }
        _socket.Dispose();
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();
        private readonly byte[] _scratch = new byte[64 * 1024];
        public void Advance(int count) { }
        public Memory<byte> GetMemory(int sizeHint = 0) => sizeHint > _scratch.Length ? new byte[sizeHint] : _scratch;
        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
