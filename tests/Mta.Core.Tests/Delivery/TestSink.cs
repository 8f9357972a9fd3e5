using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mta.Protocol;

namespace Mta.Core.Tests.Delivery;

/// <summary>A message as the sink received it.</summary>
/// <param name="Raw">The octets after the 354 up to and including the final "." CRLF, still dot-stuffed.</param>
/// <param name="Content">The same, unstuffed by <see cref="DataDecoder"/>, without the final ".".</param>
internal sealed record SinkMessage(byte[] Raw, byte[] Content)
{
    public string RawText => Encoding.Latin1.GetString(Raw);

    public string ContentText => Encoding.Latin1.GetString(Content);
}

/// <summary>
/// An SMTP server on 127.0.0.1 with a scriptable behaviour, for testing the client over real sockets.
/// By default it answers like a well-behaved server; rules registered with <see cref="Reply"/>,
/// <see cref="CloseOn"/> and <see cref="Hold"/> change the answer to the first command line that starts
/// with their prefix (case-insensitive; "." is the end of the message data). It records every command
/// line, which lines arrived in the same socket read, and each message's DATA octets. With a
/// <see cref="Certificate"/> it answers STARTTLS (when it advertises it) with 220, throws away what
/// the client sent after the command, and runs the server side of the handshake; without one, a
/// 2xx answer to STARTTLS is followed by closing the connection, which fails the client's handshake.
/// </summary>
internal sealed class TestSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly object _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly List<string> _commands = [];
    private readonly List<string[]> _reads = [];
    private readonly List<SinkMessage> _messages = [];
    private readonly List<byte[]> _clientCertificates = [];
    private int _handshakes;
    private readonly List<(string Prefix, TaskCompletionSource Seen)> _waiters = [];
    private readonly List<Task> _sessions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TestSink(params string[] extensions)
        : this(new IPEndPoint(IPAddress.Loopback, 0), extensions)
    {
    }

    /// <summary>A sink on a given address and port (0: any free port), so that several hosts of one nexthop can share a port.</summary>
    public TestSink(IPEndPoint endPoint, params string[] extensions)
    {
        Extensions = [.. extensions];
        _listener = new TcpListener(endPoint);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>EHLO keywords advertised after the server name.</summary>
    public List<string> Extensions { get; }

    /// <summary>The greeting line sent on connect.</summary>
    public string Greeting { get; set; } = "220 sink.test ESMTP";

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The server certificate for STARTTLS, with its private key; null: no handshake (see the class summary).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Whether the handshake asks the client for a certificate.</summary>
    public bool AskClientCertificate { get; set; }

    /// <summary>CA certificates named as acceptable issuers in the certificate request; null for none.</summary>
    public X509Certificate2Collection? ClientCertificateHints { get; set; }

    /// <summary>The DER certificates clients presented in handshakes, in order.</summary>
    public IReadOnlyList<byte[]> ClientCertificates
    {
        get { lock (_gate) return _clientCertificates.ToArray(); }
    }

    /// <summary>How many TLS handshakes completed.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>How many connections were accepted.</summary>
    public int Connections
    {
        get { lock (_gate) return _sessions.Count; }
    }

    /// <summary>Every command line received, in order, "." standing for the end of a message.</summary>
    public IReadOnlyList<string> Commands
    {
        get { lock (_gate) return _commands.ToArray(); }
    }

    /// <summary>The command lines grouped by the socket read that brought them.</summary>
    public IReadOnlyList<string[]> Reads
    {
        get { lock (_gate) return _reads.ToArray(); }
    }

    public IReadOnlyList<SinkMessage> Messages
    {
        get { lock (_gate) return _messages.ToArray(); }
    }

    /// <summary>Answers the first command starting with <paramref name="prefix"/> with <paramref name="reply"/> (lines joined by CRLF).</summary>
    public TestSink Reply(string prefix, string reply) => Add(new Rule(prefix, reply, Close: false, Release: null));

    /// <summary>Closes the connection instead of answering the command.</summary>
    public TestSink CloseOn(string prefix) => Add(new Rule(prefix, null, Close: true, Release: null));

    /// <summary>Answers the command only once <paramref name="release"/> completes; never, if it never does.</summary>
    public TestSink Hold(string prefix, Task release) => Add(new Rule(prefix, null, Close: false, release));

    /// <summary>Completes when a command starting with <paramref name="prefix"/> has been received.</summary>
    public Task WhenReceived(string prefix)
    {
        lock (_gate)
        {
            if (_commands.Any(command => command.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((prefix, seen));
            return seen.Task;
        }
    }

    /// <summary>A client connection to the sink with TCP_NODELAY, as the delivery side opens it.</summary>
    public async Task<NetworkStream> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Stops listening and waits until every session has ended, so everything received is recorded. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        Task[] sessions;
        lock (_gate) sessions = [.. _sessions, _accepting];
        try
        {
            await Task.WhenAll(sessions);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Sessions end by cancellation or by the client going away.
        }
    }

    private TestSink Add(Rule rule)
    {
        lock (_gate) _rules.Add(rule);
        return this;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            // Replies go out as written, so pipelined answers are not held back by Nagle's algorithm.
            socket.NoDelay = true;
            lock (_gate) _sessions.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var owned = socket;
        var session = new Session(new NetworkStream(socket, ownsSocket: false));
        await using var streams = session;
        await SendAsync(session, Greeting);
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await session.Stream.ReadAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }

            pending.AddRange(buffer.AsSpan(0, read));
            var linesOfThisRead = new List<string>();
            bool keepOpen = await ProcessAsync(session, pending, linesOfThisRead);
            if (linesOfThisRead.Count > 0)
            {
                lock (_gate) _reads.Add([.. linesOfThisRead]);
            }

            if (!keepOpen)
            {
                return;
            }
        }
    }

    /// <summary>Handles everything complete in <paramref name="pending"/>; false when the connection must close.</summary>
    private async Task<bool> ProcessAsync(Session session, List<byte> pending, List<string> linesOfThisRead)
    {
        while (true)
        {
            if (session.Decoder is { } decoder)
            {
                var input = new ReadOnlySequence<byte>(pending.ToArray());
                long before = input.Length;
                DataDecodeStatus status = decoder.Decode(ref input, session.Content);
                int consumed = (int)(before - input.Length);
                session.Raw.AddRange(pending.GetRange(0, consumed));
                pending.RemoveRange(0, consumed);
                if (status == DataDecodeStatus.NeedMoreData)
                {
                    return true;
                }

                lock (_gate) _messages.Add(new SinkMessage([.. session.Raw], session.Content.WrittenSpan.ToArray()));
                session.EndMessage();
                if (!await AnswerAsync(session, ".", linesOfThisRead))
                {
                    return false;
                }

                continue;
            }

            int lineFeed = pending.IndexOf((byte)'\n');
            if (lineFeed < 0)
            {
                return true;
            }

            int length = lineFeed > 0 && pending[lineFeed - 1] == '\r' ? lineFeed - 1 : lineFeed;
            string line = Encoding.UTF8.GetString(pending.GetRange(0, length).ToArray());
            pending.RemoveRange(0, lineFeed + 1);
            if (!await AnswerAsync(session, line, linesOfThisRead))
            {
                return false;
            }

            if (session.TlsJustStarted)
            {
                // What the client sent after STARTTLS in plaintext is never taken as a command.
                session.TlsJustStarted = false;
                pending.Clear();
                return true;
            }
        }
    }

    private async Task<bool> AnswerAsync(Session session, string line, List<string> linesOfThisRead)
    {
        Rule? rule;
        lock (_gate)
        {
            _commands.Add(line);
            linesOfThisRead.Add(line);
            foreach (var waiter in _waiters.Where(w => line.StartsWith(w.Prefix, StringComparison.OrdinalIgnoreCase)).ToArray())
            {
                _waiters.Remove(waiter);
                waiter.Seen.SetResult();
            }

            rule = _rules.FirstOrDefault(r => line.StartsWith(r.Prefix, StringComparison.OrdinalIgnoreCase));
        }

        if (rule?.Release is { } release)
        {
            try
            {
                await release.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        if (rule is { Close: true })
        {
            return false;
        }

        string verb = line.Split(' ', 2)[0].ToUpperInvariant();
        string reply = rule?.Reply ?? DefaultReply(session, verb);
        if (reply.StartsWith('2') || reply.StartsWith('3'))
        {
            switch (verb)
            {
                case "MAIL":
                    session.MailAccepted = true;
                    session.AcceptedRecipients = 0;
                    break;
                case "RCPT":
                    session.AcceptedRecipients++;
                    break;
                case "DATA":
                    session.StartMessage();
                    break;
                case "RSET":
                    session.EndMessage();
                    break;
            }
        }

        await SendAsync(session, reply);
        if (verb == "STARTTLS" && reply.StartsWith('2'))
        {
            return await HandshakeAsync(session);
        }

        return verb != "QUIT" && !reply.StartsWith("421", StringComparison.Ordinal);
    }

    /// <summary>The server side of the handshake after a 2xx to STARTTLS; false when the connection must close.</summary>
    private async Task<bool> HandshakeAsync(Session session)
    {
        if (Certificate is null)
        {
            return false;
        }

        var ssl = new SslStream(session.Stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(
                        Certificate, additionalCertificates: null, offline: true,
                        ClientCertificateHints is { } hints ? SslCertificateTrust.CreateForX509Collection(hints, sendTrustInHandshake: true) : null),
                    ClientCertificateRequired = AskClientCertificate,
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                },
                _stop.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync();
            return false;
        }

        session.Stream = ssl;
        session.TlsJustStarted = true;
        session.TlsActive = true;
        session.EndMessage();
        Interlocked.Increment(ref _handshakes);
        if (ssl.RemoteCertificate is { } presented)
        {
            lock (_gate) _clientCertificates.Add(presented.GetRawCertData());
        }

        return true;
    }

    private string DefaultReply(Session session, string verb) => verb switch
    {
        "EHLO" => EhloReply(session.TlsActive ? Extensions.Where(keyword => !keyword.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)).ToList() : Extensions),
        "HELO" => "250 sink.test",
        "MAIL" => session.MailAccepted ? "503 5.5.1 Error: nested MAIL command" : "250 2.1.0 Ok",
        "RCPT" => session.MailAccepted ? "250 2.1.5 Ok" : "503 5.5.1 Error: need MAIL command",
        "DATA" => session.AcceptedRecipients > 0 ? "354 End data with <CR><LF>.<CR><LF>" : "554 5.5.1 Error: no valid recipients",
        "." => "250 2.0.0 Ok: queued as SINK",
        "RSET" or "NOOP" => "250 2.0.0 Ok",
        "QUIT" => "221 2.0.0 Bye",
        "STARTTLS" when !session.TlsActive && Extensions.Contains("STARTTLS", StringComparer.OrdinalIgnoreCase) => "220 2.0.0 Ready to start TLS",
        _ => "502 5.5.2 Error: command not recognized",
    };

    private static string EhloReply(IReadOnlyList<string> extensions) =>
        string.Join("\r\n", new[] { "sink.test" }.Concat(extensions).Select((text, i) => (i == extensions.Count ? "250 " : "250-") + text));

    /// <summary>Sends the reply in one write, so that several lines given together arrive in one read.</summary>
    private async Task SendAsync(Session session, string reply)
    {
        try
        {
            await session.Stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), _stop.Token);
            await session.Stream.FlushAsync(_stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // The client went away; the receive loop notices.
        }
    }

    private sealed record Rule(string Prefix, string? Reply, bool Close, Task? Release);

    private sealed class Session(Stream stream) : IAsyncDisposable
    {
        public Stream Stream { get; set; } = stream;

        public bool TlsActive { get; set; }

        public bool TlsJustStarted { get; set; }

        public bool MailAccepted { get; set; }

        public int AcceptedRecipients { get; set; }

        public DataDecoder? Decoder { get; private set; }

        public ArrayBufferWriter<byte> Content { get; private set; } = new();

        public List<byte> Raw { get; } = [];

        public void StartMessage()
        {
            Decoder = new DataDecoder();
            Content = new ArrayBufferWriter<byte>();
            Raw.Clear();
        }

        public void EndMessage()
        {
            Decoder = null;
            MailAccepted = false;
            AcceptedRecipients = 0;
        }

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
