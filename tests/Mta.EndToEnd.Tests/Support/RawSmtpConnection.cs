using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>One SMTP reply as it arrived: the code and the text of each line.</summary>
internal sealed record SmtpResponse(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The first line as sent, e.g. <c>250 2.0.0 Ok</c>.</summary>
    public string FirstLine => $"{Code} {Lines[0]}";

    /// <summary>The whole reply, one line each, as sent.</summary>
    public override string ToString() => string.Join("\n", Lines.Select((line, i) => $"{Code}{(i < Lines.Count - 1 ? '-' : ' ')}{line}"));
}

/// <summary>
/// An SMTP client over a plain socket that sends exactly the bytes a test gives it, so that tests
/// can pipeline, split writes, send malformed lines and talk out of turn, none of which a real
/// client library allows. Every read is bounded by a timeout so a silent server fails the test
/// instead of hanging it.
/// </summary>
internal sealed class RawSmtpConnection : IAsyncDisposable
{
    /// <summary>The name the tests give in EHLO.</summary>
    public const string ClientName = "client.example";

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawSmtpConnection(Socket socket) => _socket = socket;

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> without reading anything, from
    /// <paramref name="from"/> (another loopback address, such as 127.0.0.2) when given.
    /// </summary>
    public static async Task<RawSmtpConnection> ConnectAsync(int port, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (from is not null) socket.Bind(new IPEndPoint(from, 0));
            using var timeout = new CancellationTokenSource(ReadTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawSmtpConnection(socket);
    }

    /// <summary>Connects, expects the 220 banner, says EHLO and expects 250.</summary>
    public static async Task<RawSmtpConnection> OpenAsync(int port)
    {
        var connection = await ConnectAsync(port);
        try
        {
            Expect(await connection.ReadReplyAsync(), 220);
            Expect(await connection.CommandAsync($"EHLO {ClientName}"), 250);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8, in one write, exactly as given (no CRLF added).</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <paramref name="bytes"/> in one write.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (bytes.Length > 0)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Sends one command line (CRLF added) and reads its reply.</summary>
    public async Task<SmtpResponse> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>
    /// One whole transaction: MAIL, every RCPT and DATA pipelined in one write (each must get 250,
    /// DATA 354), then <paramref name="content"/> (CRLF line ends, ending with CRLF) dot-stuffed with
    /// the terminating dot. Returns the reply to the end of data.
    /// </summary>
    public async Task<SmtpResponse> SendMessageAsync(IReadOnlyList<string> recipients, string content, string sender = TestMessages.Sender)
    {
        var commands = new StringBuilder($"MAIL FROM:<{sender}>\r\n");
        foreach (var recipient in recipients) commands.Append($"RCPT TO:<{recipient}>\r\n");
        commands.Append("DATA\r\n");
        await SendAsync(commands.ToString());
        foreach (var reply in await ReadRepliesAsync(recipients.Count + 1)) Expect(reply, 250);
        Expect(await ReadReplyAsync(), 354);
        await SendAsync(TestMessages.DotStuff(content) + ".\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads <paramref name="count"/> replies in the order they arrive.</summary>
    public async Task<IReadOnlyList<SmtpResponse>> ReadRepliesAsync(int count)
    {
        var replies = new List<SmtpResponse>(count);
        for (var i = 0; i < count; i++) replies.Add(await ReadReplyAsync());
        return replies;
    }

    /// <summary>Reads one complete reply, single- or multi-line.</summary>
    /// <exception cref="IOException">The server closed the connection before a whole reply arrived.</exception>
    /// <exception cref="TimeoutException">No whole reply within the read timeout.</exception>
    public async Task<SmtpResponse> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(lines);
            if (line.Length < 4 || !int.TryParse(line.AsSpan(0, 3), out var code) || (line[3] != ' ' && line[3] != '-'))
                throw new InvalidDataException($"not an SMTP reply line: \"{line}\"");
            lines.Add(line[4..]);
            if (line[3] == ' ') return new SmtpResponse(code, lines);
        }
    }

    /// <summary>
    /// Waits for the server to close the connection and returns whatever it sent before that
    /// (empty when nothing). Fails when the server keeps the connection open past the read timeout.
    /// </summary>
    public async Task<string> ReadUntilClosedAsync()
    {
        var received = new StringBuilder(Encoding.UTF8.GetString(_buffer, _start, _end - _start));
        _start = _end = 0;
        while (true)
        {
            var read = await FillAsync(received.ToString());
            if (read == 0) return received.ToString();
            received.Append(Encoding.UTF8.GetString(_buffer, 0, read));
            _start = _end = 0;
        }
    }

    /// <summary>Closes the socket.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Fails with the whole reply in the message unless it has the <paramref name="code"/>.</summary>
    public static SmtpResponse Expect(SmtpResponse reply, int code)
    {
        if (reply.Code != code) throw new Xunit.Sdk.XunitException($"expected an SMTP {code} reply but got:\n{reply}");
        return reply;
    }

    private async Task<string> ReadLineAsync(List<string> linesSoFar)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var lineEnd = available.IndexOf("\r\n"u8);
            if (lineEnd >= 0)
            {
                var line = Encoding.UTF8.GetString(available[..lineEnd]);
                _start += lineEnd + 2;
                return line;
            }
            if (_start > 0)
            {
                available.CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new InvalidDataException("reply line longer than the read buffer");
            var context = string.Join("\n", linesSoFar) + Encoding.UTF8.GetString(_buffer, 0, _end);
            if (await FillAsync(context) == 0)
                throw new IOException(context.Length == 0
                    ? "the server closed the connection without a reply"
                    : $"the server closed the connection in the middle of a reply; received: \"{context}\"");
        }
    }

    /// <summary>Reads more bytes after <see cref="_end"/>; 0 when the server closed (or reset) the connection.</summary>
    private async Task<int> FillAsync(string receivedSoFar)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        try
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, timeout.Token);
            _end += read;
            return read;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply from the server within {ReadTimeout}; received so far: \"{receivedSoFar}\"");
        }
    }
}
