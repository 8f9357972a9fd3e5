using System.Net;
using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Mta.Core.Routing;

namespace Mta.Core.Configuration;

/// <summary>
/// The validated settings under <c>mta</c>, built once at start from HOCON (see reference.conf for
/// every key's meaning and default). Every value is checked when the settings are created, so a
/// bad value stops start-up with an error naming its key instead of failing later.
/// </summary>
public sealed record MtaSettings
{
    /// <summary>The HOCON section all settings live under.</summary>
    public const string RootKey = "mta";

    private readonly IReadOnlyList<string> _myDestination = [];
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _localDomains = LookupOf([]);

    /// <summary><c>mta.myhostname</c>: the host name in the banner, EHLO and Received headers.</summary>
    public required string MyHostname { get; init; }

    /// <summary><c>mta.data-dir</c>: absolute folder for queue, spool, journal and Maildirs.</summary>
    public required string DataDir { get; init; }

    /// <summary><c>mta.mydestination</c>: locally delivered domains, lower case, <c>$myhostname</c> expanded.</summary>
    public required IReadOnlyList<string> MyDestination
    {
        get => _myDestination;
        init
        {
            // A new set each time: a `with` copy must not share (and change) the original's set.
            _myDestination = value;
            _localDomains = LookupOf(value);
        }
    }

    /// <summary><c>mta.relay-domains</c>: domains relayed for any client.</summary>
    public required DomainMatcher RelayDomains { get; init; }

    /// <summary><c>mta.mynetworks</c>: trusted client networks.</summary>
    public required NetworkList MyNetworks { get; init; }

    /// <summary><c>mta.local-recipients</c>: known local recipients; null when any local part is accepted.</summary>
    public required RecipientTable? LocalRecipients { get; init; }

    /// <summary><c>mta.transport-maps</c>: routes by recipient domain, looked up before the relay host and DNS.</summary>
    public required TransportMap TransportMaps { get; init; }

    /// <summary><c>mta.hopcount-limit</c>: most Received headers before a message is treated as looping.</summary>
    public required int HopcountLimit { get; init; }

    /// <summary><c>mta.shutdown-timeout</c>: how long DATA in progress may finish on shutdown.</summary>
    public required TimeSpan ShutdownTimeout { get; init; }

    /// <summary><c>mta.smtpd</c>: the SMTP server.</summary>
    public required SmtpdSettings Smtpd { get; init; }

    /// <summary>TLS on the SMTP server (<c>mta.smtpd.tls</c>, <c>tls-listen</c>, <c>relay-clientcerts</c>).</summary>
    public required SmtpdTlsSettings SmtpdTls { get; init; }

    /// <summary><c>mta.smtp</c>: onward delivery over SMTP.</summary>
    public required SmtpSettings Smtp { get; init; }

    /// <summary><c>mta.smtp.tls</c>: TLS in onward delivery.</summary>
    public required SmtpTlsSettings SmtpTls { get; init; }

    /// <summary><c>mta.dns</c>: DNS lookups of onward delivery.</summary>
    public required DnsSettings Dns { get; init; }

    /// <summary><c>mta.queue</c>: queue manager limits and retry schedule.</summary>
    public required QueueSettings Queue { get; init; }

    /// <summary><c>mta.spool</c>: message body storage.</summary>
    public required SpoolSettings Spool { get; init; }

    /// <summary><c>mta.admin</c>: the HTTP admin endpoint.</summary>
    public required AdminSettings Admin { get; init; }

    /// <summary>
    /// Reads and validates every setting under <c>mta</c>. Keys missing from <paramref name="config"/>
    /// take their reference.conf defaults.
    /// </summary>
    /// <param name="config">The configuration, usually from <see cref="MtaConfigLoader.Load"/>.</param>
    /// <param name="baseDirectory">The folder relative paths (data-dir, table files) are resolved against; the current directory when null.</param>
    /// <param name="timeProvider">The clock that paces table file checks; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Receives table file problems and reloads; nothing is logged when null.</param>
    /// <exception cref="ConfigurationException">An unknown key under <c>mta</c> (naming the closest valid key) or an invalid value (naming the key and the accepted form).</exception>
    public static MtaSettings Create(Config config, string? baseDirectory = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config full = ReferenceEquals(config, MtaConfigLoader.Reference) ? config : config.WithFallback(MtaConfigLoader.Reference);
        MtaConfigLoader.Catalog.CheckKnown(full);

        var reader = new SettingReader(full);
        string baseDir = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        string myHostname = ReadMyHostname(reader);
        SmtpSettings smtp = ReadSmtp(reader, myHostname);
        string dataDir = ReadDataDir(reader, baseDir);
        SmtpdSettings smtpd = ReadSmtpd(reader);
        return new MtaSettings
        {
            MyHostname = myHostname,
            DataDir = dataDir,
            MyDestination = ReadMyDestination(reader, myHostname),
            RelayDomains = DomainMatcher.Parse(reader.StringList("mta.relay-domains", "domains"), "mta.relay-domains"),
            MyNetworks = NetworkList.Parse(reader.StringList("mta.mynetworks", "CIDR networks"), "mta.mynetworks"),
            LocalRecipients = ReadLocalRecipients(reader, baseDir, timeProvider, logger),
            TransportMaps = TransportMap.Create(TableSource.FromConfig(reader.Config, "mta.transport-maps", baseDir, timeProvider, logger), smtp.Port, logger),
            HopcountLimit = reader.Int("mta.hopcount-limit", 1),
            ShutdownTimeout = reader.Duration("mta.shutdown-timeout", TimeSpan.Zero),
            Smtpd = smtpd,
            SmtpdTls = SmtpdTlsSettings.Read(reader, smtpd.RecipientRestrictions, baseDir, timeProvider, logger),
            Smtp = smtp,
            SmtpTls = SmtpTlsSettings.Read(reader, baseDir, timeProvider, logger),
            Dns = ReadDns(reader),
            Queue = ReadQueue(reader),
            Spool = ReadSpool(reader),
            Admin = ReadAdmin(reader, dataDir, baseDir),
        };
    }

    /// <summary>True when <paramref name="domain"/> is in mydestination, ignoring case and a trailing dot.</summary>
    public bool IsLocalDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return _localDomains.Contains(DomainName.WithoutTrailingDot(domain));
    }

    private static HashSet<string>.AlternateLookup<ReadOnlySpan<char>> LookupOf(IEnumerable<string> domains) =>
        new HashSet<string>(domains, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    private static string ReadMyHostname(SettingReader reader)
    {
        const string key = "mta.myhostname";
        string configured = reader.String(key, DomainName.Form).Trim();
        if (configured.Length == 0)
        {
            return System.Net.Dns.GetHostName();
        }

        string hostname = DomainName.WithoutTrailingDot(configured).ToString();
        return DomainName.IsValid(hostname)
            ? hostname
            : throw ConfigurationException.InvalidValue(key, configured, "a host name such as mx.example.com, or empty for the machine's host name");
    }

    private static string ReadDataDir(SettingReader reader, string baseDir)
    {
        const string key = "mta.data-dir";
        const string expected = "a folder path, absolute or relative to the working directory";
        string dataDir = reader.String(key, expected).Trim();
        try
        {
            return dataDir.Length > 0 ? Path.GetFullPath(dataDir, baseDir) : throw ConfigurationException.InvalidValue(key, dataDir, expected);
        }
        catch (ArgumentException)
        {
            throw ConfigurationException.InvalidValue(key, dataDir, expected);
        }
    }

    private static List<string> ReadMyDestination(SettingReader reader, string myHostname)
    {
        const string key = "mta.mydestination";
        var domains = new List<string>();
        foreach (string entry in reader.StringList(key, "domains"))
        {
            // Postfix expands parameters in mydestination; myhostname is the one that exists here.
            string expanded = entry.Replace("${myhostname}", myHostname, StringComparison.Ordinal)
                .Replace("$myhostname", myHostname, StringComparison.Ordinal);
            string domain = DomainName.WithoutTrailingDot(expanded).ToString().ToLowerInvariant();
            if (expanded.Contains('$', StringComparison.Ordinal) || !DomainName.IsValid(domain))
            {
                throw new ConfigurationException(key, $"Invalid domain '{entry}' in '{key}': expected {DomainName.Form}; \"$myhostname\" is the only expansion.");
            }

            if (!domains.Contains(domain))
            {
                domains.Add(domain);
            }
        }

        return domains;
    }

    private static RecipientTable? ReadLocalRecipients(SettingReader reader, string baseDir, TimeProvider? timeProvider, ILogger? logger)
    {
        const string key = "mta.local-recipients";
        TableSource table = TableSource.FromConfig(reader.Config, key, baseDir, timeProvider, logger);

        // As Postfix's empty local_recipient_maps: no table means no recipient check.
        return table.FilePath is null && table.Current.Count == 0 ? null : new RecipientTable(table);
    }

    private static SmtpdSettings ReadSmtpd(SettingReader reader)
    {
        const string listenKey = "mta.smtpd.listen";
        const string restrictionsKey = "mta.smtpd.recipient-restrictions";
        return new SmtpdSettings(
            Listen: [.. reader.StringList(listenKey, "listen addresses").Select(entry => ListenAddress.Parse(entry, listenKey))],
            RecipientRestrictions: RestrictionList.Parse(reader.StringList(restrictionsKey, "restriction names such as permit_mynetworks"), restrictionsKey),
            MessageSizeLimit: reader.Size("mta.smtpd.message-size-limit", 0, "0 means no limit"),
            RecipientLimit: reader.Int("mta.smtpd.recipient-limit", 1),
            Timeout: reader.Duration("mta.smtpd.timeout", TimeSpan.FromTicks(1)),
            HardErrorLimit: reader.Int("mta.smtpd.hard-error-limit", 1),
            SoftErrorLimit: reader.Int("mta.smtpd.soft-error-limit", 0),
            ClientConnectionLimit: reader.Int("mta.smtpd.client-connection-limit", 0, meaning: "0 means no limit"),
            ConnectionLimit: reader.Int("mta.smtpd.connection-limit", 0, meaning: "0 means no limit"),
            PerRequestDeadline: reader.Boolean("mta.smtpd.per-request-deadline"),
            MinDataRate: reader.Int("mta.smtpd.min-data-rate", 0, meaning: "bytes per second"),
            GreetPause: reader.Duration("mta.smtpd.greet-pause", TimeSpan.Zero))
        {
            PeernameLookup = reader.Boolean("mta.smtpd.peername-lookup"),
        };
    }

    private static SmtpSettings ReadSmtp(SettingReader reader, string myHostname)
    {
        const string relayhostKey = "mta.smtp.relayhost";
        int port = reader.Int("mta.smtp.port", 1, IPEndPoint.MaxPort);
        string relayhost = reader.String(relayhostKey, NextHopSyntax.DestinationForm).Trim();
        string heloName = reader.String("mta.smtp.helo-name", "a host name").Trim();
        SmtpSettings Complete(NextHop? hop) => new(hop, port)
        {
            HeloName = heloName.Length == 0 ? myHostname : heloName,
            DestinationConcurrencyLimit = reader.Int("mta.smtp.destination-concurrency-limit", 1),
            ConnectionCacheTimeLimit = reader.Duration("mta.smtp.connection-cache-time-limit", TimeSpan.Zero),
            ConnectionReuseCountLimit = reader.Int("mta.smtp.connection-reuse-count-limit", 0),
        };
        if (relayhost.Length == 0)
        {
            return Complete(null);
        }

        return NextHopSyntax.TryParseDestination(relayhost, port, out NextHop? hop, out string? problem)
            ? Complete(hop)
            : throw new ConfigurationException(relayhostKey, $"Invalid value '{relayhost}' for '{relayhostKey}': {problem}; expected {NextHopSyntax.DestinationForm}, or empty for none.");
    }

    private static DnsSettings ReadDns(SettingReader reader)
    {
        const string serversKey = "mta.dns.servers";
        const string timeoutKey = "mta.dns.timeout";
        var servers = new List<IPEndPoint>();
        foreach (string entry in reader.StringList(serversKey, "resolver addresses"))
        {
            servers.Add(NameServerAddress.TryParse(entry, out IPEndPoint? server)
                ? server
                : throw new ConfigurationException(serversKey, $"Invalid resolver '{entry}' in '{serversKey}': expected {NameServerAddress.Form}."));
        }

        // DnsClient takes the timeout in whole milliseconds as an int; an hour is far beyond any useful wait.
        TimeSpan timeout = reader.Duration(timeoutKey, TimeSpan.FromMilliseconds(1));
        if (timeout > TimeSpan.FromHours(1))
        {
            throw ConfigurationException.InvalidValue(timeoutKey, reader.String(timeoutKey), $"{ValueSyntax.DurationForm}, from 1ms to 1h");
        }

        return new DnsSettings(servers, timeout);
    }

    private static QueueSettings ReadQueue(SettingReader reader)
    {
        TimeSpan minimalBackoff = reader.Duration("mta.queue.minimal-backoff-time", TimeSpan.FromTicks(1));
        TimeSpan maximalBackoff = reader.Duration("mta.queue.maximal-backoff-time", TimeSpan.FromTicks(1));
        if (maximalBackoff < minimalBackoff)
        {
            throw new ConfigurationException(
                "mta.queue.maximal-backoff-time",
                $"Invalid value for 'mta.queue.maximal-backoff-time': {maximalBackoff} is less than mta.queue.minimal-backoff-time ({minimalBackoff}); expected a duration not less than it.");
        }

        TimeSpan maximalLifetime = reader.Duration("mta.queue.maximal-queue-lifetime", TimeSpan.Zero);
        TimeSpan bounceLifetime = reader.Duration("mta.queue.bounce-queue-lifetime", TimeSpan.Zero);
        return new QueueSettings(
            ActiveLimit: reader.Int("mta.queue.active-limit", 1),
            MinimalBackoffTime: minimalBackoff,
            MaximalBackoffTime: maximalBackoff,
            MaximalQueueLifetime: maximalLifetime,

            // Postfix's qmgr lowers bounce_queue_lifetime to maximal_queue_lifetime the same way.
            BounceQueueLifetime: bounceLifetime < maximalLifetime ? bounceLifetime : maximalLifetime,
            LocalDeliveryConcurrency: reader.Int("mta.queue.local-delivery-concurrency", 1),
            SnapshotEvery: reader.Int("mta.queue.snapshot-every", 1))
        {
            DelayWarningTime = reader.Duration("mta.queue.delay-warning-time", TimeSpan.Zero) is var warning && warning > TimeSpan.Zero ? warning : null,
        };
    }

    private static SpoolSettings ReadSpool(SettingReader reader) =>
        new(
            SegmentSize: reader.Size("mta.spool.segment-size", 1),
            CommitBatchLimit: reader.Int("mta.spool.commit-batch-limit", 1),
            MinFreeSpace: reader.Size("mta.spool.min-free-space", 0));

    private static AdminSettings ReadAdmin(SettingReader reader, string dataDir, string baseDir)
    {
        const string listenKey = "mta.admin.listen";
        const string tokenFileKey = "mta.admin.token-file";
        const string tokenFileForm = "a file path, absolute or relative to the working directory, or empty for admin.token in data-dir";
        string listen = reader.String(listenKey, "a listen address, or empty for no admin endpoint").Trim();
        string tokenFile = reader.String(tokenFileKey, tokenFileForm).Trim();
        try
        {
            return new AdminSettings(
                Listen: listen.Length == 0 ? null : ListenAddress.Parse(listen, listenKey),
                TokenFile: tokenFile.Length == 0 ? Path.Combine(dataDir, "admin.token") : Path.GetFullPath(tokenFile, baseDir));
        }
        catch (ArgumentException)
        {
            throw ConfigurationException.InvalidValue(tokenFileKey, tokenFile, tokenFileForm);
        }
    }
}

/// <summary>Settings of the SMTP server (<c>mta.smtpd</c>).</summary>
/// <param name="Listen">Addresses to accept SMTP connections on.</param>
/// <param name="RecipientRestrictions">Access decisions at RCPT, in order; validated not to make an open relay.</param>
/// <param name="MessageSizeLimit">Largest message in bytes; 0 means no limit.</param>
/// <param name="RecipientLimit">Most recipients per message.</param>
/// <param name="Timeout">Wait for a command or DATA before 421.</param>
/// <param name="HardErrorLimit">Errors after which the session is closed.</param>
/// <param name="SoftErrorLimit">Errors after which a client counts as misbehaving.</param>
/// <param name="ClientConnectionLimit">Concurrent connections per client address (mynetworks exempt); 0 means no limit.</param>
/// <param name="ConnectionLimit">Concurrent sessions on this node; 0 means no limit.</param>
/// <param name="PerRequestDeadline">Whether <paramref name="Timeout"/> covers a whole request rather than each read.</param>
/// <param name="MinDataRate">Slowest DATA rate tolerated in bytes per second under a per-request deadline.</param>
/// <param name="GreetPause">Pause before the banner; a client talking first gets 554 5.5.0.</param>
public sealed record SmtpdSettings(
    IReadOnlyList<IPEndPoint> Listen,
    IReadOnlyList<Restriction> RecipientRestrictions,
    long MessageSizeLimit,
    int RecipientLimit,
    TimeSpan Timeout,
    int HardErrorLimit,
    int SoftErrorLimit,
    int ClientConnectionLimit,
    int ConnectionLimit,
    bool PerRequestDeadline,
    int MinDataRate,
    TimeSpan GreetPause)
{
    /// <summary>Look up each client's host name before the greeting (<c>mta.smtpd.peername-lookup</c>); otherwise every client is "unknown".</summary>
    public bool PeernameLookup { get; init; } = true;
}

/// <summary>Settings of onward delivery over SMTP (<c>mta.smtp</c>).</summary>
/// <param name="Relayhost">Where mail goes that the transport table does not route; null: each recipient domain's MX hosts.</param>
/// <param name="Port">The port of a nexthop that names none.</param>
public sealed record SmtpSettings(NextHop? Relayhost, int Port)
{
    /// <summary>The EHLO/HELO name (<c>mta.smtp.helo-name</c>; myhostname when empty).</summary>
    public string HeloName { get; init; } = "";

    /// <summary>Most connections at once to one nexthop (<c>mta.smtp.destination-concurrency-limit</c>).</summary>
    public int DestinationConcurrencyLimit { get; init; } = 20;

    /// <summary>How long an idle connection is cached (<c>mta.smtp.connection-cache-time-limit</c>).</summary>
    public TimeSpan ConnectionCacheTimeLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Most messages per connection, 0 for no limit (<c>mta.smtp.connection-reuse-count-limit</c>).</summary>
    public int ConnectionReuseCountLimit { get; init; } = 100;
}

/// <summary>Settings of DNS lookups for onward delivery (<c>mta.dns</c>).</summary>
/// <param name="Servers">The resolvers to ask, in order; empty: those of /etc/resolv.conf.</param>
/// <param name="Timeout">How long to wait for one answer from one resolver.</param>
public sealed record DnsSettings(IReadOnlyList<IPEndPoint> Servers, TimeSpan Timeout);

/// <summary>Settings of the queue manager (<c>mta.queue</c>).</summary>
/// <param name="ActiveLimit">Most messages in the active queue.</param>
/// <param name="MinimalBackoffTime">Shortest wait before a retry.</param>
/// <param name="MaximalBackoffTime">Longest wait between retries; not less than <paramref name="MinimalBackoffTime"/>.</param>
/// <param name="MaximalQueueLifetime">How long a message may stay deferred before it bounces.</param>
/// <param name="BounceQueueLifetime">The same for bounces; never more than <paramref name="MaximalQueueLifetime"/>.</param>
/// <param name="LocalDeliveryConcurrency">Concurrent Maildir deliveries.</param>
/// <param name="SnapshotEvery">Journal events between queue snapshots.</param>
public sealed record QueueSettings(
    int ActiveLimit,
    TimeSpan MinimalBackoffTime,
    TimeSpan MaximalBackoffTime,
    TimeSpan MaximalQueueLifetime,
    TimeSpan BounceQueueLifetime,
    int LocalDeliveryConcurrency,
    int SnapshotEvery)
{
    /// <summary>
    /// After how long in the queue a sender is warned that a message is still undelivered
    /// (<c>mta.queue.delay-warning-time</c>, Postfix delay_warning_time); null when off.
    /// </summary>
    public TimeSpan? DelayWarningTime { get; init; }
}

/// <summary>Settings of the HTTP admin endpoint (<c>mta.admin</c>).</summary>
/// <param name="Listen">The address the endpoint binds; null when the endpoint is disabled.</param>
/// <param name="TokenFile">Absolute path of the file holding the queue API's bearer token.</param>
public sealed record AdminSettings(IPEndPoint? Listen, string TokenFile);

/// <summary>Settings of the message body spool (<c>mta.spool</c>).</summary>
/// <param name="SegmentSize">Bytes in a segment file before a new one is started.</param>
/// <param name="CommitBatchLimit">Most messages one group commit covers.</param>
/// <param name="MinFreeSpace">Free disk bytes below which MAIL gets 452 4.3.1.</param>
public sealed record SpoolSettings(long SegmentSize, int CommitBatchLimit, long MinFreeSpace);
