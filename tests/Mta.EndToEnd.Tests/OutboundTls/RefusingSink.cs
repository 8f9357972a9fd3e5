using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// A scripted SMTP server on 127.0.0.1 that offers STARTTLS and answers it with 454, as a server
/// whose TLS is broken does, and otherwise takes mail in plaintext. It records every command line.
/// </summary>
internal sealed class RefusingSink : IAsyncDisposable
{
    public const string Refusal = "454 4.7.0 TLS not available due to local problem";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _commands = [];
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;
    private int _messages;

    public RefusingSink()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every command line received, in order.</summary>
    public IReadOnlyList<string> Commands
    {
        get { lock (_commands) return [.. _commands]; }
    }

    /// <summary>How many messages were taken.</summary>
    public int Messages => Volatile.Read(ref _messages);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] sessions;
        lock (_commands) sessions = [.. _sessions, _accepting];
        await Task.WhenAll(sessions.Select(task => task.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_commands) _sessions.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var owned = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            await writer.WriteLineAsync("220 refusing.test ESMTP");
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_commands) _commands.Add(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-refusing.test\r\n250-8BITMIME\r\n250 STARTTLS");
                        break;
                    case "STARTTLS":
                        await writer.WriteLineAsync(Refusal);
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                        }
                        Interlocked.Increment(ref _messages);
                        await writer.WriteLineAsync("250 2.0.0 Ok: queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the sink is stopping.
        }
    }
}
