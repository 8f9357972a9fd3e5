using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mta.LoadGen;

/// <summary>
/// One SMTP client connection over a raw socket: sends pre-built bytes and reads replies into a
/// fixed buffer, allocating only for error texts and EHLO lines. Every wait is bounded by the
/// reply timeout.
/// </summary>
internal sealed class SmtpConnection : IDisposable
{
    private const int ReceiveBufferSize = 16 * 1024;

    private readonly Socket socket;
    private readonly byte[] receiveBuffer = new byte[ReceiveBufferSize];
    private readonly CancellationTokenSource timeoutSource;
    private readonly CancellationToken runToken;
    private readonly TimeSpan timeout;
    private int start;
    private int end;

    private SmtpConnection(Socket socket, TimeSpan timeout, CancellationToken runToken)
    {
        this.socket = socket;
        this.timeout = timeout;
        this.runToken = runToken;
        timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(runToken);
    }

    /// <summary>The last reply line of the most recent failure reply (code 400 or more).</summary>
    public string? LastErrorText { get; private set; }

    /// <summary>Connects with TCP_NODELAY set.</summary>
    /// <exception cref="SocketException">The connection was refused or could not be made in time.</exception>
    public static async Task<SmtpConnection> ConnectAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken runToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new SmtpConnection(socket, timeout, runToken);
        try
        {
            connection.timeoutSource.CancelAfter(timeout);
            await socket.ConnectAsync(endpoint, connection.timeoutSource.Token).ConfigureAwait(false);
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

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        timeoutSource.CancelAfter(timeout);
        try
        {
            while (!data.IsEmpty)
            {
                var sent = await socket.SendAsync(data, SocketFlags.None, timeoutSource.Token).ConfigureAwait(false);
                data = data[sent..];
            }
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

    public void Dispose()
    {
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
                throw new InvalidDataException($"reply line longer than {ReceiveBufferSize} bytes");
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
            return await socket.ReceiveAsync(destination, SocketFlags.None, timeoutSource.Token).ConfigureAwait(false);
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
