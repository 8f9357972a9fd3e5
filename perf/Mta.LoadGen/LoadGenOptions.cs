using System.Globalization;

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
    public static LoadGenOptions? Parse(IReadOnlyList<string> args, out bool showHelp, out string? error)
    {
        showHelp = false;
        error = null;
        var options = new LoadGenOptions();
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
                    "--host" => options with { Host = NonEmpty(name, Value()) },
                    "--port" => options with { Port = (int)Integer(name, Value(), 1, 65_535) },
                    "--sessions" => options with { Sessions = (int)Integer(name, Value(), 1, 10_000) },
                    "--messages" => options with { Messages = Integer(name, Value(), 1, long.MaxValue) },
                    "--size" => options with { Size = (int)Integer(name, Value(), 2, 1L << 30) },
                    "--recipients" => options with { Recipients = (int)Integer(name, Value(), 1, MaxRecipients) },
                    "--rcpt-domain" => options with { RcptDomain = AddressText(name, Value()) },
                    "--from" => options with { From = AddressText(name, Value()) },
                    "--helo" => options with { Helo = AddressText(name, Value()) },
                    "--reuse" => options with { Reuse = true },
                    "--no-reuse" => options with { Reuse = false },
                    "--pipelining" => options with { Pipelining = true },
                    "--no-pipelining" => options with { Pipelining = false },
                    "--duration" => options with { Duration = Time(name, Value(), allowZero: false) },
                    "--rate" => options with { Rate = Positive(name, Value()) },
                    "--warmup" => options with { Warmup = Time(name, Value(), allowZero: true) },
                    "--timeout" => options with { ReplyTimeout = Time(name, Value(), allowZero: false) },
                    "--json" => options with { JsonPath = NonEmpty(name, Value()) },
                    "--maildir" => options with { MaildirPath = NonEmpty(name, Value()) },
                    "--drain-timeout" => options with { DrainTimeout = Time(name, Value(), allowZero: true) },
                    "--starttls" => options with { StartTls = true },
                    "--tls-cert" => options with { TlsCertFile = NonEmpty(name, Value()) },
                    "--tls-key" => options with { TlsKeyFile = NonEmpty(name, Value()) },
                    "--tls-ca" => options with { TlsCaFile = NonEmpty(name, Value()) },
                    "--idle-sessions" => options with { IdleSessions = (int)Integer(name, Value(), 1, 100_000) },
                    "--hold" => options with { Hold = Time(name, Value(), allowZero: true) },
                    _ => throw new FormatException($"unknown option '{name}'"),
                };
                showHelp |= name is "--help" or "-h";
            }

            if ((options.TlsCertFile is null) != (options.TlsKeyFile is null))
            {
                throw new FormatException("--tls-cert and --tls-key go together");
            }

            if (!options.StartTls && (options.TlsCertFile ?? options.TlsCaFile) is not null)
            {
                throw new FormatException("--tls-cert, --tls-key and --tls-ca need --starttls");
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

    private static double Positive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
            ? value
            : throw new FormatException($"{name} must be a number greater than zero, not '{text}'");

    private static string NonEmpty(string name, string text) =>
        text.Length > 0 ? text : throw new FormatException($"{name} must not be empty");

    /// <summary>Values that go into SMTP commands: no spaces, brackets or control characters.</summary>
    private static string AddressText(string name, string text) =>
        text.Length > 0 && text.All(c => c is > ' ' and < (char)127 and not '<' and not '>')
            ? text
            : throw new FormatException($"{name} must be printable ASCII without spaces or angle brackets, not '{text}'");
}
