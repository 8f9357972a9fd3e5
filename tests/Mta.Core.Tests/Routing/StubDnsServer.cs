using System.Net;
using System.Net.Sockets;

namespace Mta.Core.Tests.Routing;

/// <summary>
/// A UDP DNS server on 127.0.0.1 that answers every query with one response code and no records
/// (SERVFAIL, REFUSED, ...), or, when silent, never answers at all.
/// </summary>
internal sealed class StubDnsServer : IDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _answered;

    private StubDnsServer(byte? responseCode)
    {
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _loop = responseCode is byte code ? AnswerAsync(code) : Task.CompletedTask;
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The number of queries answered so far.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>A server that answers every query with <paramref name="responseCode"/> (2 SERVFAIL, 5 REFUSED).</summary>
    public static StubDnsServer Answering(byte responseCode) => new(responseCode);

    /// <summary>A server that reads nothing and answers nothing, so every query times out.</summary>
    public static StubDnsServer Silent() => new(null);

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
        catch (ObjectDisposedException)
        {
            // Stopped on purpose.
        }

        _stop.Dispose();
    }

    private async Task AnswerAsync(byte responseCode)
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request = await _socket.ReceiveAsync(_stop.Token);
            byte[]? response = Response(request.Buffer, responseCode);
            if (response is not null)
            {
                await _socket.SendAsync(response, request.RemoteEndPoint, _stop.Token);
                Interlocked.Increment(ref _answered);
            }
        }
    }

    /// <summary>The query's header and question with QR and RA set, the given RCODE and no records.</summary>
    private static byte[]? Response(byte[] query, byte responseCode)
    {
        if (query.Length < 12)
        {
            return null;
        }

        // The question is the labels up to the zero-length root label, then type and class.
        int end = 12;
        while (end < query.Length && query[end] != 0)
        {
            end += query[end] + 1;
        }

        end += 5;
        if (end > query.Length)
        {
            return null;
        }

        byte[] response = new byte[end];
        Array.Copy(query, response, end);
        response[2] = (byte)(0x80 | (query[2] & 0x01));
        response[3] = (byte)(0x80 | (responseCode & 0x0F));
        response[4] = 0;
        response[5] = 1;
        Array.Clear(response, 6, 6);
        return response;
    }
}
