using System.Net;
using Mta.Perf.Common;

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
    public static SinkOptions? Parse(IReadOnlyList<string> args, out bool showHelp, out string? error) =>
        OptionReader.Parse(args, new SinkOptions(), ReadOption, FindConflict, out showHelp, out error);

    private static SinkOptions? ReadOption(OptionReader option, SinkOptions options) => option.Name switch
    {
        "--host" => options with { Address = IpAddress(option) },
        "--port" => options with { Port = (int)option.Integer(0, 65_535) },
        "--port-file" => options with { PortFile = option.NonEmpty() },
        "--hostname" => options with { HostName = HostNameText(option) },
        "--tls-cert" => options with { TlsCertFile = option.NonEmpty() },
        "--tls-key" => options with { TlsKeyFile = option.NonEmpty() },
        "--defer-rate" => options with { DeferRate = option.Share() },
        "--reject-rate" => options with { RejectRate = option.Share() },
        "--latency" => options with { Latency = option.Time(allowZero: true) },
        "--seed" => options with { Seed = (int)option.Integer(0, int.MaxValue) },
        "--series" => options with { SeriesPath = option.NonEmpty() },
        "--interval" => options with { Interval = option.Time(allowZero: false) },
        "--duration" => options with { Duration = option.Time(allowZero: false) },
        "--quiet" => options with { Quiet = true },
        _ => null,
    };

    private static string? FindConflict(SinkOptions options) =>
        (options.TlsCertFile is null) != (options.TlsKeyFile is null) ? "--tls-cert and --tls-key go together"
        : options.DeferRate + options.RejectRate > 1 ? "--defer-rate and --reject-rate add up to more than 1"
        : null;

    /// <summary>An address to listen on; brackets around an IPv6 address are allowed.</summary>
    private static IPAddress IpAddress(OptionReader option)
    {
        var text = option.Value();
        return IPAddress.TryParse(text.Trim('[', ']'), out var address) ? address : throw option.Invalid(text, "an IP address");
    }

    /// <summary>The name goes into replies: letters, digits, dots and hyphens only.</summary>
    private static string HostNameText(OptionReader option) =>
        option.Text(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-', "a host name (letters, digits, dots, hyphens)");
}
