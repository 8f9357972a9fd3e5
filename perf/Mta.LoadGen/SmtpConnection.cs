using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Mta.LoadGen;

/// <summary>
/// One SMTP client connection: sends pre-built bytes and reads replies into a fixed buffer,
/// allocating only for error texts and EHLO lines. Plaintext until <see cref="StartTlsAsync"/>,
/// then over TLS. Every wait is bounded by the reply timeout.
/// </summary>
internal sealed class SmtpConnection : IDisposable
{
    /// <summary>Receive buffer for load runs; idle sessions use a smaller one.</summary>
    public const int DefaultReceiveBufferSize = 16 * 1024;

    private readonly Socket socket;
    private readonly byte[] receiveBuffer;
    private readonly CancellationTokenSource timeoutSource;
    private readonly CancellationToken runToken;
    private readonly TimeSpan timeout;
    private Stream stream = Stream.Null;
    private int start;
    private int end;

    private SmtpConnection(Socket socket, TimeSpan timeout, int receiveBufferSize, CancellationToken runToken)
    {
        this.socket = socket;
        receiveBuffer = new byte[receiveBufferSize];
        this.timeout = timeout;
        this.runToken = runToken;
        timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(runToken);
    }

    /// <summary>The last reply line of the most recent failure reply (code 400 or more).</summary>
    public string? LastErrorText { get; private set; }

    /// <summary>Connects with TCP_NODELAY set.</summary>
    /// <exception cref="SocketException">The connection was refused or could not be made in time.</exception>
    public static async Task<SmtpConnection> ConnectAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken runToken, int receiveBufferSize = DefaultReceiveBufferSize)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new SmtpConnection(socket, timeout, receiveBufferSize, runToken);
        try
        {
            connection.timeoutSource.CancelAfter(timeout);
            await socket.ConnectAsync(endpoint, connection.timeoutSource.Token).ConfigureAwait(false);
            connection.stream = new NetworkStream(socket, ownsSocket: false);
            connection.timeoutSource.CancelAfter(Timeout.InfiniteTimeSpan);
            return connection;
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            connection.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Sends all of <paramref name="data"/> (through TLS once it is up).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        timeoutSource.CancelAfter(timeout);
        try
        {
            await stream.WriteAsync(data, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            throw new TimeoutException($"send did not complete within {timeout.TotalSeconds:0.###} s");
        }
        finally
        {
            timeoutSource.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Reads one (possibly multi-line) reply and returns its code; <paramref name="lines"/>, when
    /// given, receives the text after the code of every line (EHLO keywords).
    /// </summary>
    /// <exception cref="EndOfStreamException">The server closed the connection.</exception>
    /// <exception cref="InvalidDataException">The reply is not SMTP.</exception>
    /// <exception cref="TimeoutException">No complete reply within the timeout.</exception>
    public async ValueTask<int> ReadReplyAsync(List<string>? lines = null)
    {
        while (true)
        {
            var (offset, length) = await ReadLineAsync().ConfigureAwait(false);
            var line = receiveBuffer.AsSpan(offset, length);
            if (length < 3 || !char.IsAsciiDigit((char)line[0]) || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2])
                || (length > 3 && line[3] is not (byte)' ' and not (byte)'-'))
            {
                throw new InvalidDataException($"malformed reply line '{Encoding.ASCII.GetString(line)}'");
            }

            lines?.Add(length > 4 ? Encoding.ASCII.GetString(line[4..]) : string.Empty);
            if (length > 3 && line[3] == (byte)'-')
            {
                continue;
            }

            var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
            if (code >= 400)
            {
                LastErrorText = Encoding.ASCII.GetString(line);
            }

            return code;
        }
    }

    /// <summary>
    /// Runs the TLS handshake after the server's 220 to STARTTLS. Anything the server sent after
    /// that 220 is dropped unread, so nothing injected in plaintext is taken as a TLS-protected reply.
    /// </summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The handshake failed.</exception>
    /// <exception cref="TimeoutException">The handshake did not finish within the timeout.</exception>
    public async Task StartTlsAsync(SslClientAuthenticationOptions options)
    {
        start = end = 0;
        var secure = new SslStream(stream, leaveInnerStreamOpen: false);
        stream = secure;
        timeoutSource.CancelAfter(timeout);
        try
        {
            await secure.AuthenticateAsClientAsync(options, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            throw new TimeoutException($"TLS handshake did not complete within {timeout.TotalSeconds:0.###} s");
        }
        finally
        {
            timeoutSource.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        IsTls = true;
    }

    /// <summary>Whether the connection runs over TLS.</summary>
    public bool IsTls { get; private set; }

    public void Dispose()
    {
        stream.Dispose();
        socket.Dispose();
        timeoutSource.Dispose();
    }

    /// <summary>Returns the next line (without CRLF) as a range of the receive buffer, valid until the next read.</summary>
    private async ValueTask<(int Offset, int Length)> ReadLineAsync()
    {
        while (true)
        {
            var newline = receiveBuffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var offset = start;
                var length = newline > 0 && receiveBuffer[offset + newline - 1] == (byte)'\r' ? newline - 1 : newline;
                start += newline + 1;
                return (offset, length);
            }

            if (start > 0)
            {
                Buffer.BlockCopy(receiveBuffer, start, receiveBuffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == receiveBuffer.Length)
            {
                throw new InvalidDataException($"reply line longer than {receiveBuffer.Length} bytes");
            }

            var read = await ReceiveAsync(receiveBuffer.AsMemory(end)).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("server closed the connection");
            }

            end += read;
        }
    }

    private async ValueTask<int> ReceiveAsync(Memory<byte> destination)
    {
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await stream.ReadAsync(destination, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply within {timeout.TotalSeconds:0.###} s");
        }
        finally
        {
            timeoutSource.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }
}
