using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mta.LoadGen;

/// <summary>
/// Runs the sessions of one load test and collects what they saw. Each session owns one
/// connection at a time and its own statistics; the only shared state is the message source and
/// a few interlocked counters for the progress line.
/// </summary>
internal sealed class LoadRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    private static readonly ReadOnlyMemory<byte> DataCommand = "DATA\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> ResetCommand = "RSET\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> QuitCommand = "QUIT\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> EndOfData = ".\r\n"u8.ToArray();

    private readonly LoadGenOptions options;
    private readonly IPEndPoint endpoint;
    private readonly TextWriter progress;
    private readonly MessageFactory factory;
    private readonly TlsClientSettings? tls;
    private long acceptedSoFar;
    private long failedSoFar;
    private int serverAdvertisedPipelining = -1;
    private string? fatalError;

    /// <param name="tls">STARTTLS settings; null for plaintext sessions.</param>
    public LoadRunner(LoadGenOptions options, IPEndPoint endpoint, TextWriter progress, TlsClientSettings? tls = null)
    {
        this.options = options;
        this.tls = tls;
        this.endpoint = endpoint;
        this.progress = progress;
        factory = new MessageFactory(options, Guid.NewGuid().ToString("N")[..12], DateTimeOffset.UtcNow);
    }

    public async Task<RunResult> RunAsync(CancellationToken interrupt)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        var startTimestamp = Stopwatch.GetTimestamp();
        var warmupEndTimestamp = startTimestamp + ToStopwatchTicks(options.Warmup);
        long? deadlineTimestamp = options.Duration is { } duration ? startTimestamp + ToStopwatchTicks(duration) : null;

        var openLoop = options.Rate is { } rate ? new OpenLoopSource(rate, options.Messages, deadlineTimestamp) : null;
        MessageSource source = openLoop ?? (MessageSource)new ClosedLoopSource(options.Messages, deadlineTimestamp);
        var releasing = openLoop?.ReleaseAsync(startTimestamp, run.Token) ?? Task.CompletedTask;

        var sendingFinished = new TaskCompletionSource<(long StoppedTimestamp, long ExpectedDeliveries)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var maildirCounter = options.MaildirPath is { } maildirPath ? new MaildirCounter(maildirPath) : null;
        var counting = maildirCounter?.RunAsync(startTimestamp, sendingFinished.Task, options.DrainTimeout, interrupt) ?? Task.CompletedTask;

        using var progressStop = new CancellationTokenSource();
        var reporting = ReportProgressAsync(startTimestamp, progressStop.Token);

        var stats = Enumerable.Range(0, options.Sessions).Select(_ => new SessionStats()).ToArray();
        await Task.WhenAll(stats.Select(sessionStats => Task.Run(() => RunSessionAsync(source, sessionStats, warmupEndTimestamp, run), CancellationToken.None)))
            .ConfigureAwait(false);
        var stoppedTimestamp = Stopwatch.GetTimestamp();
        await run.CancelAsync().ConfigureAwait(false);
        await releasing.ConfigureAwait(false);
        await progressStop.CancelAsync().ConfigureAwait(false);
        await reporting.ConfigureAwait(false);

        sendingFinished.SetResult((stoppedTimestamp, stats.Sum(s => s.AcceptedRecipients)));
        await counting.ConfigureAwait(false);

        return RunResult.Create(
            options,
            stats,
            startTimestamp,
            warmupEndTimestamp,
            stoppedTimestamp,
            serverAdvertisedPipelining switch { 1 => true, 0 => false, _ => null },
            openLoop is null ? null : (openLoop.Offered, openLoop.Offered - openLoop.Claimed),
            maildirCounter,
            fatalError,
            interrupt.IsCancellationRequested);
    }

    private static long ToStopwatchTicks(TimeSpan time) => (long)(time.TotalSeconds * Stopwatch.Frequency);

    private async Task RunSessionAsync(MessageSource source, SessionStats stats, long warmupEndTimestamp, CancellationTokenSource run)
    {
        var messageBuffer = factory.CreateMessageBuffer();
        var commandBuffer = new byte[factory.CommandBufferSize];
        SmtpConnection? connection = null;
        var pipelining = false;
        try
        {
            while (await source.NextAsync(run.Token).ConfigureAwait(false) is { } messageNumber)
            {
                stats.Attempted++;
                try
                {
                    if (connection is null)
                    {
                        (connection, pipelining) = await OpenSessionAsync(stats, run).ConfigureAwait(false);
                        if (connection is null)
                        {
                            Interlocked.Increment(ref failedSoFar);
                            continue;
                        }
                    }

                    var outcome = await SendMessageAsync(connection, pipelining, messageNumber, messageBuffer, commandBuffer, stats, warmupEndTimestamp)
                        .ConfigureAwait(false);
                    Interlocked.Increment(ref outcome == TransactionOutcome.Accepted ? ref acceptedSoFar : ref failedSoFar);
                    if (outcome == TransactionOutcome.FailedAndClosed || !options.Reuse)
                    {
                        await CloseAsync(connection, polite: outcome != TransactionOutcome.FailedAndClosed).ConfigureAwait(false);
                        connection = null;
                    }
                }
                catch (Exception exception) when (!run.IsCancellationRequested && IsConnectionFailure(exception))
                {
                    // The message is lost with the connection; the next one reconnects.
                    stats.RecordError(exception is TimeoutException ? "timeout" : exception is InvalidDataException ? "protocol" : "connection", exception.Message);
                    Interlocked.Increment(ref failedSoFar);
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            // Interrupted, or another session hit a fatal error.
        }
        finally
        {
            if (connection is not null)
            {
                await CloseAsync(connection, polite: !run.IsCancellationRequested).ConfigureAwait(false);
            }
        }
    }

    private static bool IsConnectionFailure(Exception exception) =>
        exception is IOException or SocketException or TimeoutException or InvalidDataException or ObjectDisposedException;

    /// <summary>
    /// Connects, reads the greeting, says EHLO and, with --starttls, upgrades to TLS. A refused
    /// connection stops the whole run; a refusing reply or a failed handshake counts as that
    /// message's error and returns no connection.
    /// </summary>
    private async Task<(SmtpConnection? Connection, bool Pipelining)> OpenSessionAsync(SessionStats stats, CancellationTokenSource run)
    {
        SmtpConnection connection;
        try
        {
            connection = await SmtpConnection.ConnectAsync(endpoint, options.ReplyTimeout, run.Token).ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            Interlocked.CompareExchange(ref fatalError, $"cannot connect to {endpoint}: {exception.Message}", null);
            await run.CancelAsync().ConfigureAwait(false);
            throw new OperationCanceledException(run.Token);
        }

        try
        {
            var opened = await SessionHandshake.RunAsync(connection, options, tls).ConfigureAwait(false);
            if (!opened.Succeeded)
            {
                stats.RecordError(opened.ErrorKey!, opened.ErrorText);
                connection.Dispose();
                return (null, false);
            }

            var advertised = opened.Keywords!.Any(keyword => keyword.Equals("PIPELINING", StringComparison.OrdinalIgnoreCase));
            Interlocked.CompareExchange(ref serverAdvertisedPipelining, advertised ? 1 : 0, -1);
            return (connection, advertised && options.Pipelining);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One transaction. Counts one error per failed reply that is not merely the consequence of an
    /// earlier one (a 503 to DATA after every RCPT failed is not counted).
    /// </summary>
    private async Task<TransactionOutcome> SendMessageAsync(
        SmtpConnection connection,
        bool pipelining,
        long messageNumber,
        byte[] messageBuffer,
        byte[] commandBuffer,
        SessionStats stats,
        long warmupEndTimestamp)
    {
        var recipientsAccepted = 0;
        int dataReply;
        if (pipelining)
        {
            var length = factory.WriteCommands(commandBuffer, messageNumber, includeData: true);
            await connection.SendAsync(commandBuffer.AsMemory(0, length)).ConfigureAwait(false);
            var mailAccepted = Check(await connection.ReadReplyAsync().ConfigureAwait(false), 250, connection, stats);
            for (var recipient = 0; recipient < factory.Recipients; recipient++)
            {
                var rcptReply = await connection.ReadReplyAsync().ConfigureAwait(false);

                // After a failed MAIL every RCPT fails as a consequence; only the MAIL reply counts.
                recipientsAccepted += (mailAccepted ? CheckRecipient(rcptReply, connection, stats) : rcptReply is 250 or 251) ? 1 : 0;
            }

            dataReply = await connection.ReadReplyAsync().ConfigureAwait(false);
        }
        else
        {
            var length = factory.WriteMail(commandBuffer);
            await connection.SendAsync(commandBuffer.AsMemory(0, length)).ConfigureAwait(false);
            var mailReply = await connection.ReadReplyAsync().ConfigureAwait(false);
            if (!Check(mailReply, 250, connection, stats))
            {
                return await ResetAsync(connection, mailReply).ConfigureAwait(false);
            }

            for (var recipient = 0; recipient < factory.Recipients; recipient++)
            {
                length = factory.WriteRcpt(commandBuffer, messageNumber, recipient);
                await connection.SendAsync(commandBuffer.AsMemory(0, length)).ConfigureAwait(false);
                recipientsAccepted += CheckRecipient(await connection.ReadReplyAsync().ConfigureAwait(false), connection, stats) ? 1 : 0;
            }

            if (recipientsAccepted == 0)
            {
                return await ResetAsync(connection, failedReply: 0).ConfigureAwait(false);
            }

            await connection.SendAsync(DataCommand).ConfigureAwait(false);
            dataReply = await connection.ReadReplyAsync().ConfigureAwait(false);
        }

        if (dataReply != 354)
        {
            if (recipientsAccepted > 0)
            {
                Check(dataReply, 354, connection, stats);
            }

            return await ResetAsync(connection, dataReply).ConfigureAwait(false);
        }

        if (recipientsAccepted == 0)
        {
            // RFC 2920: DATA accepted although every RCPT failed; end it with an empty message.
            await connection.SendAsync(EndOfData).ConfigureAwait(false);
            var emptyReply = await connection.ReadReplyAsync().ConfigureAwait(false);
            return emptyReply == 421 ? TransactionOutcome.FailedAndClosed : TransactionOutcome.Failed;
        }

        await connection.SendAsync(factory.PrepareMessage(messageBuffer, messageNumber)).ConfigureAwait(false);
        var sentTimestamp = Stopwatch.GetTimestamp();
        var finalReply = await connection.ReadReplyAsync().ConfigureAwait(false);
        var repliedTimestamp = Stopwatch.GetTimestamp();
        if (!Check(finalReply, 250, connection, stats))
        {
            return finalReply == 421 ? TransactionOutcome.FailedAndClosed : TransactionOutcome.Failed;
        }

        var microseconds = Math.Min(
            Stopwatch.GetElapsedTime(sentTimestamp, repliedTimestamp).Ticks / TimeSpan.TicksPerMicrosecond,
            SessionStats.HighestTrackableMicroseconds);
        stats.Accepted++;
        stats.AcceptedRecipients += recipientsAccepted;
        stats.LastAcceptTimestamp = repliedTimestamp;
        stats.AllLatency.RecordValue(microseconds);
        if (repliedTimestamp >= warmupEndTimestamp)
        {
            stats.AcceptedSteady++;
            stats.SteadyLatency.RecordValue(microseconds);
        }

        return TransactionOutcome.Accepted;
    }

    /// <summary>Returns whether <paramref name="reply"/> is the expected one, recording it as an error otherwise.</summary>
    private static bool Check(int reply, int expected, SmtpConnection connection, SessionStats stats)
    {
        if (reply == expected)
        {
            return true;
        }

        stats.RecordError(reply.ToString(CultureInfo.InvariantCulture), connection.LastErrorText);
        return false;
    }

    /// <summary>A recipient is accepted with 250, or 251 (not local, will be forwarded).</summary>
    private static bool CheckRecipient(int reply, SmtpConnection connection, SessionStats stats) =>
        reply == 251 || Check(reply, 250, connection, stats);

    /// <summary>Ends a failed transaction with RSET; after a 421 the server is closing the connection.</summary>
    private static async Task<TransactionOutcome> ResetAsync(SmtpConnection connection, int failedReply)
    {
        if (failedReply == 421)
        {
            return TransactionOutcome.FailedAndClosed;
        }

        await connection.SendAsync(ResetCommand).ConfigureAwait(false);
        return await connection.ReadReplyAsync().ConfigureAwait(false) == 250 ? TransactionOutcome.Failed : TransactionOutcome.FailedAndClosed;
    }

    /// <summary>Sends QUIT and waits for 221 when the connection is healthy; always closes it.</summary>
    private static async Task CloseAsync(SmtpConnection connection, bool polite)
    {
        try
        {
            if (polite)
            {
                await connection.SendAsync(QuitCommand).ConfigureAwait(false);
                await connection.ReadReplyAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (IsConnectionFailure(exception) || exception is OperationCanceledException)
        {
            // The server may close first; the connection is done either way.
        }
        finally
        {
            connection.Dispose();
        }
    }

    private async Task ReportProgressAsync(long startTimestamp, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        long previousAccepted = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var accepted = Interlocked.Read(ref acceptedSoFar);
                var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
                await progress.WriteLineAsync(FormattableString.Invariant(
                    $"[{elapsed.TotalSeconds,6:0.0} s] accepted {accepted} ({(accepted - previousAccepted) / ProgressInterval.TotalSeconds:0} msgs/s), failed {Interlocked.Read(ref failedSoFar)}"))
                    .ConfigureAwait(false);
                previousAccepted = accepted;
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}

/// <summary>How one transaction ended, and whether its connection can carry another.</summary>
internal enum TransactionOutcome
{
    Accepted,
    Failed,
    FailedAndClosed,
}
