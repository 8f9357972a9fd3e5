using Mta.Perf.Common;

namespace Mta.LoadGen;

/// <summary>What one run of the load generator does; built from the command line.</summary>
internal sealed record LoadGenOptions
{
    /// <summary>Recipients per message are user0..user99, so at most 100 distinct ones fit in one message.</summary>
    public const int MaxRecipients = 100;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 2525;

    public int Sessions { get; init; } = 20;

    public long Messages { get; init; } = 10_000;

    public int Size { get; init; } = 4096;

    public int Recipients { get; init; } = 1;

    public string RcptDomain { get; init; } = "localhost";

    public string From { get; init; } = "loadgen@localhost";

    public bool Reuse { get; init; } = true;

    public bool Pipelining { get; init; } = true;

    public TimeSpan? Duration { get; init; }

    public double? Rate { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public string? JsonPath { get; init; }

    public string? MaildirPath { get; init; }

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Helo { get; init; } = "loadgen.localhost";

    public bool StartTls { get; init; }

    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public string? TlsCaFile { get; init; }

    /// <summary>When set, the run opens this many sessions, holds them idle after EHLO and sends no mail.</summary>
    public int? IdleSessions { get; init; }

    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(30);

    public const string Usage = """
        mta-loadgen: SMTP load generator for Mta (or any SMTP server).

        Sends --messages messages (or runs for --duration) over --sessions parallel SMTP
        connections and reports accepted msgs/s after the warm-up, errors by reply code, and
        the latency from the final "." to its 250 (p50/p90/p99/max). With --maildir it also
        counts the files that appear under DIR/<domain>/<user>/new and reports delivered msgs/s.

        Usage: mta-loadgen [options]

          --host HOST            server address or name (default 127.0.0.1)
          --port PORT            server port (default 2525)
          --sessions N           parallel SMTP connections (default 20)
          --messages N           messages to send in total (default 10000)
          --duration TIME        send for this long instead of --messages (e.g. 60s, 2m)
          --rate N               open loop: start N messages per second whatever the replies;
                                 default is closed loop (each session sends as fast as replies come)
          --size BYTES           body size in bytes, ASCII lines of 76 characters (default 4096)
          --recipients N         recipients per message, 1-100 (default 1); local parts are
                                 user0..user99 so deliveries spread over 100 mailboxes
          --rcpt-domain DOMAIN   recipient domain (default localhost)
          --from ADDRESS         envelope and header sender (default loadgen@localhost)
          --helo NAME            EHLO name (default loadgen.localhost)
          --reuse                many messages per connection (default)
          --no-reuse             one message per connection
          --pipelining           send MAIL, RCPT and DATA together when the server offers
                                 PIPELINING (default)
          --no-pipelining        wait for each reply
          --starttls             run STARTTLS after EHLO (and EHLO again) on every connection;
                                 a server that does not offer it counts as an error
          --tls-cert FILE        with --starttls: client certificate to present (PEM)
          --tls-key FILE         with --starttls: its private key (PEM)
          --tls-ca FILE          with --starttls: check the server certificate chain against
                                 these CA certificates (PEM); without it any certificate is
                                 accepted. The server name is never checked.
          --idle-sessions N      instead of sending mail: open N sessions (greeting, EHLO, and
                                 STARTTLS when asked), hold them idle for --hold, then QUIT
                                 each and count the 221 replies; prints "holding N idle
                                 sessions" once all are open
          --hold TIME            how long --idle-sessions are held (default 30s)
          --warmup TIME          exclude this first part from rates and latency (default 5s)
          --timeout TIME         longest wait for a reply or a send (default 30s)
          --json FILE            also write the results as JSON to FILE
          --maildir DIR          count delivered files under DIR/*/*/new (every 250 ms)
          --drain-timeout TIME   after sending stops, wait at most this long for deliveries
                                 to reach the accepted count (default 30s)
          --help                 show this text

        TIME is a number with an optional unit: ms, s (default), m or h.
        Exit status: 0 done, 1 connection or resolution failure, 2 bad arguments, --json not
        writable or TLS files unreadable, 130 interrupted.

        Examples: mta-loadgen --sessions 50 --duration 60s --warmup 10s --maildir data/maildir
                  mta-loadgen --starttls --tls-cert client.pem --tls-key client.key --rcpt-domain example.com
                  mta-loadgen --idle-sessions 10000 --hold 30s
        """;

    /// <summary>Parses the command line; returns null options with <paramref name="error"/> set when it is invalid.</summary>
    public static LoadGenOptions? Parse(IReadOnlyList<string> args, out bool showHelp, out string? error) =>
        OptionReader.Parse(args, new LoadGenOptions(), ReadOption, FindConflict, out showHelp, out error);

    private static LoadGenOptions? ReadOption(OptionReader option, LoadGenOptions options) => option.Name switch
    {
        "--host" => options with { Host = option.NonEmpty() },
        "--port" => options with { Port = (int)option.Integer(1, 65_535) },
        "--sessions" => options with { Sessions = (int)option.Integer(1, 10_000) },
        "--messages" => options with { Messages = option.Integer(1, long.MaxValue) },
        "--size" => options with { Size = (int)option.Integer(2, 1L << 30) },
        "--recipients" => options with { Recipients = (int)option.Integer(1, MaxRecipients) },
        "--rcpt-domain" => options with { RcptDomain = AddressText(option) },
        "--from" => options with { From = AddressText(option) },
        "--helo" => options with { Helo = AddressText(option) },
        "--reuse" => options with { Reuse = true },
        "--no-reuse" => options with { Reuse = false },
        "--pipelining" => options with { Pipelining = true },
        "--no-pipelining" => options with { Pipelining = false },
        "--duration" => options with { Duration = option.Time(allowZero: false) },
        "--rate" => options with { Rate = option.PositiveNumber() },
        "--warmup" => options with { Warmup = option.Time(allowZero: true) },
        "--timeout" => options with { ReplyTimeout = option.Time(allowZero: false) },
        "--json" => options with { JsonPath = option.NonEmpty() },
        "--maildir" => options with { MaildirPath = option.NonEmpty() },
        "--drain-timeout" => options with { DrainTimeout = option.Time(allowZero: true) },
        "--starttls" => options with { StartTls = true },
        "--tls-cert" => options with { TlsCertFile = option.NonEmpty() },
        "--tls-key" => options with { TlsKeyFile = option.NonEmpty() },
        "--tls-ca" => options with { TlsCaFile = option.NonEmpty() },
        "--idle-sessions" => options with { IdleSessions = (int)option.Integer(1, 100_000) },
        "--hold" => options with { Hold = option.Time(allowZero: true) },
        _ => null,
    };

    private static string? FindConflict(LoadGenOptions options) =>
        (options.TlsCertFile is null) != (options.TlsKeyFile is null) ? "--tls-cert and --tls-key go together"
        : !options.StartTls && (options.TlsCertFile ?? options.TlsCaFile) is not null ? "--tls-cert, --tls-key and --tls-ca need --starttls"
        : null;

    /// <summary>Values that go into SMTP commands: no spaces, brackets or control characters.</summary>
    private static string AddressText(OptionReader option) =>
        option.Text(c => c is > ' ' and < (char)127 and not '<' and not '>', "printable ASCII without spaces or angle brackets");
}
