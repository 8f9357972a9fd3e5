using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Mta.Sink;

internal static class Program
{
    private const int Stopped = 0;
    private const int StartFailed = 1;
    private const int BadArguments = 2;

    public static async Task<int> Main(string[] args)
    {
        var options = SinkOptions.Parse(args, out var showHelp, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"mta-sink: {error}\nTry 'mta-sink --help'.");
            return BadArguments;
        }

        if (showHelp)
        {
            Console.WriteLine(SinkOptions.Usage);
            return Stopped;
        }

        var counters = new SinkCounters();
        SinkServer server;
        try
        {
            server = SinkServer.Start(options, counters);
        }
        catch (Exception exception) when (exception is SocketException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mta-sink: cannot start: {exception.Message}");
            return StartFailed;
        }

        using (server)
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, eventArgs) =>
            {
                eventArgs.Cancel = true;
                stop.Cancel();
            };
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            if (options.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            if (options.PortFile is { } portFile)
            {
                await File.WriteAllTextAsync(portFile + ".tmp", server.Port.ToString(CultureInfo.InvariantCulture) + "\n");
                File.Move(portFile + ".tmp", portFile, overwrite: true);
            }

            Console.WriteLine(FormattableString.Invariant(
                $"mta-sink: listening on {options.Address}:{server.Port}{(options.TlsCertFile is null ? string.Empty : " with STARTTLS")}, defer {options.DeferRate:0.####}, reject {options.RejectRate:0.####}, latency {options.Latency.TotalMilliseconds:0.###} ms"));
            var startTimestamp = Stopwatch.GetTimestamp();
            var series = new Series(options.Interval, DateTimeOffset.UtcNow);
            var serving = server.RunAsync(stop.Token);
            await RecordAsync(options, counters, series, startTimestamp, stop.Token);
            await serving;
            series.Sample(counters, startTimestamp, Stopwatch.GetTimestamp());
            if (options.SeriesPath is { } path)
            {
                series.Save(path);
            }

            Console.WriteLine(FormattableString.Invariant(
                $"mta-sink: received {series.Messages} messages ({series.Recipients} recipients, {series.Bytes} body bytes), deferred {series.Deferred}, rejected {series.Rejected}, {series.SessionsTotal} sessions; {series.MessagesPerSecond:0.0} msgs/s from the first message to the last"));
        }

        return Stopped;
    }

    /// <summary>Every interval: adds a point to the series, prints it and rewrites the series file.</summary>
    private static async Task RecordAsync(SinkOptions options, SinkCounters counters, Series series, long startTimestamp, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var point = series.Sample(counters, startTimestamp, Stopwatch.GetTimestamp());
                if (!options.Quiet)
                {
                    Console.WriteLine(FormattableString.Invariant(
                        $"[{point.Elapsed.TotalSeconds,7:0.0} s] received {series.Messages} ({point.Messages / options.Interval.TotalSeconds:0} msgs/s), deferred {series.Deferred}, rejected {series.Rejected}, sessions {point.SessionsOpen}"));
                }

                if (options.SeriesPath is { } path)
                {
                    series.Save(path);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
