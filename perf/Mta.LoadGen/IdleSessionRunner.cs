using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Mta.LoadGen;

/// <summary>What an idle-session run saw.</summary>
internal sealed record IdleResult(
    int Requested,
    int Opened,
    int AnsweredQuit,
    TimeSpan OpenTime,
    TimeSpan HeldFor,
    IReadOnlyDictionary<string, ErrorTally> Errors,
    bool Interrupted)
{
    /// <summary>Sessions open after the hold but closed by the server or broken before QUIT was answered.</summary>
    public int Dropped => Opened - AnsweredQuit;

    public void WriteText(TextWriter output)
    {
        output.WriteLine(Invariant($"mta-loadgen idle sessions: {Requested} requested, {Opened} opened in {OpenTime.TotalSeconds:0.000} s, held {HeldFor.TotalSeconds:0.###} s"));
        output.WriteLine(Invariant($"  answered QUIT        {AnsweredQuit} (dropped during the hold: {Dropped})"));
        output.WriteLine(Errors.Count == 0
            ? "  errors               none"
            : "  errors               " + string.Join(", ", Errors.Select(error => Invariant($"{error.Key}: {error.Value.Count}"))));
        foreach (var (key, tally) in Errors.Where(error => error.Value.Sample is not null))
        {
            output.WriteLine(Invariant($"    {key,-18} e.g. {tally.Sample}"));
        }

        if (Interrupted)
        {
            output.WriteLine("  (interrupted)");
        }
    }

    public void WriteJson(Stream destination)
    {
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("mode", "idle");
        json.WriteNumber("requested", Requested);
        json.WriteNumber("opened", Opened);
        json.WriteNumber("answered_quit", AnsweredQuit);
        json.WriteNumber("dropped", Dropped);
        json.WriteNumber("open_s", OpenTime.TotalSeconds);
        json.WriteNumber("held_s", HeldFor.TotalSeconds);
        json.WriteStartObject("errors");
        foreach (var (key, tally) in Errors)
        {
            json.WriteNumber(key, tally.Count);
        }

        json.WriteEndObject();
        json.WriteBoolean("interrupted", Interrupted);
        json.WriteEndObject();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Opens many sessions, holds them idle after EHLO (and STARTTLS when asked), then ends each with
/// QUIT: what it costs a server to keep connections open. Opening runs a bounded number of
/// handshakes at a time so that the server's listen backlog is not what is measured.
/// </summary>
internal sealed class IdleSessionRunner(LoadGenOptions options, IPEndPoint endpoint, TlsClientSettings? tls, TextWriter announcements)
{
    private const int ConcurrentOpens = 64;

    /// <summary>Idle sessions need room for the EHLO reply only.</summary>
    private const int ReceiveBufferSize = 2048;

    private static readonly ReadOnlyMemory<byte> QuitCommand = "QUIT\r\n"u8.ToArray();

    private readonly SessionStats errors = new();
    private readonly Lock errorsLock = new();

    public async Task<IdleResult> RunAsync(CancellationToken interrupt)
    {
        var requested = options.IdleSessions ?? 0;
        var connections = new SmtpConnection?[requested];
        using var gate = new SemaphoreSlim(ConcurrentOpens);
        var openStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, requested).Select(async index =>
        {
            await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                connections[index] = await OpenAsync(interrupt).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        var openTime = Stopwatch.GetElapsedTime(openStart);
        var opened = connections.Count(connection => connection is not null);

        await announcements.WriteLineAsync(FormattableString.Invariant(
            $"holding {opened} idle sessions for {options.Hold.TotalSeconds:0.###} s ({requested - opened} failed to open)")).ConfigureAwait(false);
        await announcements.FlushAsync(CancellationToken.None).ConfigureAwait(false);

        var holdStart = Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(options.Hold, interrupt).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Interrupted: close what is open and report.
        }

        var heldFor = Stopwatch.GetElapsedTime(holdStart);
        var answered = 0;
        await Task.WhenAll(connections.Where(connection => connection is not null).Select(async connection =>
        {
            await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (await QuitAsync(connection!).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref answered);
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        return new IdleResult(requested, opened, answered, openTime, heldFor, new SortedDictionary<string, ErrorTally>(errors.Errors, StringComparer.Ordinal), interrupt.IsCancellationRequested);
    }

    private async Task<SmtpConnection?> OpenAsync(CancellationToken interrupt)
    {
        if (interrupt.IsCancellationRequested)
        {
            return null;
        }

        SmtpConnection connection;
        try
        {
            connection = await SmtpConnection.ConnectAsync(endpoint, options.ReplyTimeout, CancellationToken.None, ReceiveBufferSize).ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            RecordError("connect", exception.Message);
            return null;
        }

        try
        {
            var opened = await SessionHandshake.RunAsync(connection, options, tls).ConfigureAwait(false);
            if (opened.Succeeded)
            {
                return connection;
            }

            RecordError(opened.ErrorKey!, opened.ErrorText);
        }
        catch (Exception exception) when (exception is IOException or SocketException or TimeoutException or InvalidDataException)
        {
            RecordError(exception is TimeoutException ? "timeout" : "connection", exception.Message);
        }

        connection.Dispose();
        return null;
    }

    /// <summary>Sends QUIT; true when the server answered 221, i.e. it had kept the session open.</summary>
    private async Task<bool> QuitAsync(SmtpConnection connection)
    {
        try
        {
            await connection.SendAsync(QuitCommand).ConfigureAwait(false);
            var reply = await connection.ReadReplyAsync().ConfigureAwait(false);
            if (reply != 221)
            {
                RecordError(reply.ToString(CultureInfo.InvariantCulture), connection.LastErrorText);
            }

            return reply == 221;
        }
        catch (Exception exception) when (exception is IOException or SocketException or TimeoutException or InvalidDataException)
        {
            RecordError("dropped", exception.Message);
            return false;
        }
        finally
        {
            connection.Dispose();
        }
    }

    private void RecordError(string key, string? text)
    {
        lock (errorsLock)
        {
            errors.RecordError(key, text);
        }
    }
}
