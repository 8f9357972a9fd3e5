using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;

namespace Mta.Sink;

/// <summary>
/// One SMTP connection to the sink: reads commands and bodies through a pipe, answers every
/// complete command in the buffer before flushing (so a pipelined group gets one write), and
/// counts each message when its final "." arrives. Bodies are scanned in place and dropped.
/// </summary>
internal sealed class SinkSession
{
    /// <summary>An idle client is dropped after this long, as Postfix's smtpd_timeout.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(300);

    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);

    private readonly Socket socket;
    private readonly SinkDialog dialog;
    private readonly OutcomePolicy policy;
    private readonly SinkCounters counters;
    private readonly TimeSpan latency;
    private readonly SslServerAuthenticationOptions? tls;
    private readonly Random random;
    private readonly byte[] replies = new byte[8 * 1024];
    private int replyLength;

    public SinkSession(Socket socket, SinkDialog dialog, OutcomePolicy policy, SinkCounters counters, TimeSpan latency, SslServerAuthenticationOptions? tls, Random random)
    {
        this.socket = socket;
        this.dialog = dialog;
        this.policy = policy;
        this.counters = counters;
        this.latency = latency;
        this.tls = tls;
        this.random = random;
    }

    /// <summary>Runs the session until QUIT, the client closes, an error, or <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        counters.SessionOpened();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, ReaderOptions);
        try
        {
            await AppendAsync(stream, dialog.Greeting, timeout.Token).ConfigureAwait(false);
            await FlushAsync(stream, timeout.Token).ConfigureAwait(false);
            var transaction = default(SinkTransaction);
            var inData = false;
            var scanner = new DataTerminatorScanner();
            long bodyBytes = 0;
            while (true)
            {
                timeout.CancelAfter(IdleTimeout);
                var result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var position = buffer.Start;
                var action = SinkAction.None;
                while (action == SinkAction.None)
                {
                    if (inData)
                    {
                        if (!FindEndOfData(buffer.Slice(position), ref scanner, ref bodyBytes, out var end))
                        {
                            position = buffer.End;
                            break;
                        }

                        position = end;
                        inData = false;
                        var outcome = policy.AcceptsAll ? MessageOutcome.Accepted : policy.Decide(random.NextDouble());
                        counters.Record(outcome, transaction.Recipients, bodyBytes);
                        transaction.Reset();
                        if (latency > TimeSpan.Zero)
                        {
                            await Task.Delay(latency, timeout.Token).ConfigureAwait(false);
                        }

                        await AppendAsync(stream, dialog.ReplyTo(outcome), timeout.Token).ConfigureAwait(false);
                        continue;
                    }

                    var lines = new SequenceReader<byte>(buffer.Slice(position));
                    if (!lines.TryReadTo(out ReadOnlySpan<byte> line, (byte)'\n'))
                    {
                        if (lines.Remaining > SinkDialog.MaxCommandLine)
                        {
                            await AppendAsync(stream, dialog.LineTooLong, timeout.Token).ConfigureAwait(false);
                            action = SinkAction.Close;
                        }

                        break;
                    }

                    position = lines.Position;
                    if (line.Length > SinkDialog.MaxCommandLine)
                    {
                        await AppendAsync(stream, dialog.LineTooLong, timeout.Token).ConfigureAwait(false);
                        continue;
                    }

                    (var reply, action) = dialog.Handle(line.EndsWith((byte)'\r') ? line[..^1] : line, ref transaction);
                    await AppendAsync(stream, reply, timeout.Token).ConfigureAwait(false);
                    if (action == SinkAction.ReceiveData)
                    {
                        // The client waits for 354 before it sends the body.
                        inData = true;
                        scanner = new DataTerminatorScanner();
                        bodyBytes = 0;
                        action = SinkAction.None;
                    }
                }

                await FlushAsync(stream, timeout.Token).ConfigureAwait(false);
                if (action == SinkAction.Close)
                {
                    return;
                }

                if (action == SinkAction.StartTls && tls is not null)
                {
                    // Whatever the client sent after STARTTLS is dropped unread (CVE-2011-0411).
                    reader.AdvanceTo(buffer.End);
                    await reader.CompleteAsync().ConfigureAwait(false);
                    var secure = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = secure;
                    await secure.AuthenticateAsServerAsync(tls, timeout.Token).ConfigureAwait(false);
                    reader = PipeReader.Create(secure, ReaderOptions);
                    continue;
                }

                reader.AdvanceTo(position, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, timed out, failed the handshake, or the sink is stopping.
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            counters.SessionClosed();
        }
    }

    /// <summary>Scans the body in <paramref name="data"/>; on success <paramref name="end"/> is just past the final ".\r\n".</summary>
    private static bool FindEndOfData(ReadOnlySequence<byte> data, ref DataTerminatorScanner scanner, ref long bodyBytes, out SequencePosition end)
    {
        long offset = 0;
        foreach (var segment in data)
        {
            if (scanner.TryFindEnd(segment.Span, out var consumed))
            {
                bodyBytes += consumed;
                end = data.GetPosition(offset + consumed);
                return true;
            }

            offset += consumed;
            bodyBytes += consumed;
        }

        end = data.End;
        return false;
    }

    /// <summary>Queues a reply for the next flush; flushes first when the buffer is full (a very long pipelined group).</summary>
    private async ValueTask AppendAsync(Stream stream, byte[] reply, CancellationToken cancellationToken)
    {
        if (replyLength + reply.Length > replies.Length)
        {
            await FlushAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        reply.CopyTo(replies, replyLength);
        replyLength += reply.Length;
    }

    private async ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (replyLength == 0)
        {
            return;
        }

        await stream.WriteAsync(replies.AsMemory(0, replyLength), cancellationToken).ConfigureAwait(false);
        replyLength = 0;
    }
}
