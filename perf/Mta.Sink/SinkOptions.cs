using System.Globalization;
using System.Net;

namespace Mta.Sink;

/// <summary>What one run of the sink does; built from the command line.</summary>
internal sealed record SinkOptions
{
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = 2526;

    public string? PortFile { get; init; }

    public string HostName { get; init; } = "sink.localhost";

    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public double DeferRate { get; init; }

    public double RejectRate { get; init; }

    public TimeSpan Latency { get; init; }

    public string? SeriesPath { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan? Duration { get; init; }

    public int? Seed { get; init; }

    public bool Quiet { get; init; }

    public const string Usage = """
        mta-sink: an SMTP server that counts messages and throws them away.

        Accepts every sender and recipient, reads each body up to the final "." without keeping
        it, and answers 250 (or, for a chosen share of messages, 451 or 554). Prints the received
        msgs/s every interval and, with --series, keeps a time series of messages per interval
        as JSON or CSV, rewritten every interval and at the end.

        Usage: mta-sink [options]

          --host ADDRESS         address to listen on (default 127.0.0.1)
          --port PORT            port to listen on; 0 picks a free one (default 2526)
          --port-file FILE       write the port actually bound to FILE once listening
          --hostname NAME        name in the banner and EHLO reply (default sink.localhost)
          --tls-cert FILE        PEM certificate (with its chain); with --tls-key offers STARTTLS
          --tls-key FILE         PEM private key of --tls-cert
          --defer-rate SHARE     share of messages answered 451 4.3.0, 0 to 1 (default 0)
          --reject-rate SHARE    share of messages answered 554 5.7.1, 0 to 1 (default 0)
          --latency TIME         wait this long before answering each final "." (default 0)
          --seed N               seed for choosing deferred and rejected messages (default: random)
          --series FILE          write the time series to FILE: CSV when it ends in .csv, else JSON
          --interval TIME        length of one series interval and progress line (default 1s)
          --duration TIME        stop by itself after this long (default: run until SIGINT/SIGTERM)
          --quiet                no progress line per interval, only the summary at the end
          --help                 show this text

        TIME is a number with an optional unit: ms, s (default), m or h.
        Exit status: 0 stopped, 1 cannot listen or load the certificate, 2 bad arguments.

        Example: mta-sink --port 2526 --series sink.json --defer-rate 0.1 --latency 5ms
        """;

    /// <summary>Parses the command line; returns null with <paramref name="error"/> set when it is invalid.</summary>
    public static SinkOptions? Parse(IReadOnlyList<string> args, out bool showHelp, out string? error)
    {
        showHelp = false;
        error = null;
        var options = new SinkOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                string Value()
                {
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new FormatException($"{name} needs a value");
                    }

                    return args[++i];
                }

                options = name switch
                {
                    "--help" or "-h" => options,
                    "--host" => options with { Address = IpAddress(name, Value()) },
                    "--port" => options with { Port = (int)Integer(name, Value(), 0, 65_535) },
                    "--port-file" => options with { PortFile = NonEmpty(name, Value()) },
                    "--hostname" => options with { HostName = HostNameText(name, Value()) },
                    "--tls-cert" => options with { TlsCertFile = NonEmpty(name, Value()) },
                    "--tls-key" => options with { TlsKeyFile = NonEmpty(name, Value()) },
                    "--defer-rate" => options with { DeferRate = Share(name, Value()) },
                    "--reject-rate" => options with { RejectRate = Share(name, Value()) },
                    "--latency" => options with { Latency = Time(name, Value(), allowZero: true) },
                    "--seed" => options with { Seed = (int)Integer(name, Value(), 0, int.MaxValue) },
                    "--series" => options with { SeriesPath = NonEmpty(name, Value()) },
                    "--interval" => options with { Interval = Time(name, Value(), allowZero: false) },
                    "--duration" => options with { Duration = Time(name, Value(), allowZero: false) },
                    "--quiet" => options with { Quiet = true },
                    _ => throw new FormatException($"unknown option '{name}'"),
                };
                showHelp |= name is "--help" or "-h";
            }

            if ((options.TlsCertFile is null) != (options.TlsKeyFile is null))
            {
                throw new FormatException("--tls-cert and --tls-key go together");
            }

            if (options.DeferRate + options.RejectRate > 1)
            {
                throw new FormatException("--defer-rate and --reject-rate add up to more than 1");
            }
        }
        catch (FormatException exception)
        {
            error = exception.Message;
            return null;
        }

        return options;
    }

    /// <summary>Parses "60s", "500ms", "2m", "1h" or a bare number of seconds.</summary>
    internal static TimeSpan ParseTime(string text)
    {
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            throw new FormatException($"'{text}' is not a time such as 60s, 500ms or 2m");
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    private static TimeSpan Time(string name, string text, bool allowZero)
    {
        TimeSpan value;
        try
        {
            value = ParseTime(text);
        }
        catch (FormatException exception)
        {
            throw new FormatException($"{name}: {exception.Message}");
        }

        return value > TimeSpan.Zero || allowZero ? value : throw new FormatException($"{name} must be greater than zero");
    }

    private static long Integer(string name, string text, long min, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{text}'");

    private static double Share(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new FormatException($"{name} must be a number from 0 to 1, not '{text}'");

    private static IPAddress IpAddress(string name, string text) =>
        IPAddress.TryParse(text.Trim('[', ']'), out var address)
            ? address
            : throw new FormatException($"{name} must be an IP address, not '{text}'");

    private static string NonEmpty(string name, string text) =>
        text.Length > 0 ? text : throw new FormatException($"{name} must not be empty");

    /// <summary>The name goes into replies: letters, digits, dots and hyphens only.</summary>
    private static string HostNameText(string name, string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-')
            ? text
            : throw new FormatException($"{name} must be a host name (letters, digits, dots, hyphens), not '{text}'");
}
