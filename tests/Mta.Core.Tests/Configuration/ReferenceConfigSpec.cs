using System.Net;
using System.Text.RegularExpressions;
using Mta.Core.Configuration;
using Mta.Core.Routing;
using Xunit;

namespace Mta.Core.Tests.Configuration;

/// <summary>Every default in reference.conf, as MtaSettings reads it.</summary>
public sealed class ReferenceConfigSpec
{
    private static readonly string BaseDirectory = Path.Combine(Path.GetTempPath(), "mta-base");

    private readonly MtaSettings _settings = MtaSettings.Create(MtaConfigLoader.Reference, BaseDirectory);

    [Fact]
    public void Reference_should_default_the_top_level_settings()
    {
        Assert.Equal(Dns.GetHostName(), _settings.MyHostname);
        Assert.Equal(Path.Combine(BaseDirectory, "data"), _settings.DataDir);
        Assert.Equal(["127.0.0.0/8", "::1/128"], _settings.MyNetworks.Entries);
        Assert.Equal(["localhost"], _settings.MyDestination);
        Assert.Empty(_settings.RelayDomains.Entries);
        Assert.Null(_settings.LocalRecipients);
        Assert.Equal(50, _settings.HopcountLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), _settings.ShutdownTimeout);
    }

    [Fact]
    public void Reference_should_default_the_smtpd_settings()
    {
        SmtpdSettings smtpd = _settings.Smtpd;
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 2525)], smtpd.Listen);
        Assert.Equal([Restriction.PermitMynetworks, Restriction.RejectUnauthDestination], smtpd.RecipientRestrictions);
        Assert.Equal(10_240_000, smtpd.MessageSizeLimit);
        Assert.Equal(1000, smtpd.RecipientLimit);
        Assert.Equal(TimeSpan.FromSeconds(300), smtpd.Timeout);
        Assert.Equal(20, smtpd.HardErrorLimit);
        Assert.Equal(10, smtpd.SoftErrorLimit);
        Assert.Equal(50, smtpd.ClientConnectionLimit);
        Assert.Equal(10_000, smtpd.ConnectionLimit);
        Assert.True(smtpd.PerRequestDeadline);
        Assert.Equal(500, smtpd.MinDataRate);
        Assert.Equal(TimeSpan.Zero, smtpd.GreetPause);
        Assert.True(smtpd.PeernameLookup);
    }

    [Fact]
    public void Reference_should_default_the_smtpd_tls_settings()
    {
        var tls = _settings.SmtpdTls;
        Assert.Equal(SmtpdTlsLevel.None, tls.Level);
        Assert.False(tls.Enabled);
        Assert.Null(tls.CertFile);
        Assert.Null(tls.KeyFile);
        Assert.Null(tls.CaFile);
        Assert.Null(tls.CaPath);
        Assert.False(tls.AskCcert);
        Assert.False(tls.RequireCcert);
        Assert.False(tls.ReceivedHeader);
        Assert.Equal(0, tls.LogLevel);
        Assert.Equal(Mta.Tls.FingerprintDigest.Sha256, tls.FingerprintDigest);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, tls.Protocols);
        Assert.Empty(tls.TlsListen);
        Assert.Empty(tls.RelayClientCerts.Current);
        Assert.Empty(tls.Warnings);
        Assert.Null(tls.Ciphers);
    }

    [Fact]
    public void Reference_should_default_the_routing_settings()
    {
        Assert.Equal(0, _settings.TransportMaps.Count);
        Assert.Null(_settings.TransportMaps.Find("example.com"));
        Assert.Equal("mta.transport-maps", _settings.TransportMaps.Key);
        Assert.Null(_settings.Smtp.Relayhost);
        Assert.Equal(25, _settings.Smtp.Port);
        Assert.Equal(_settings.MyHostname, _settings.Smtp.HeloName);
        Assert.Equal(20, _settings.Smtp.DestinationConcurrencyLimit);
        Assert.Equal(TimeSpan.FromSeconds(2), _settings.Smtp.ConnectionCacheTimeLimit);
        Assert.Equal(100, _settings.Smtp.ConnectionReuseCountLimit);
        Assert.Empty(_settings.Dns.Servers);
        Assert.Equal(TimeSpan.FromSeconds(5), _settings.Dns.Timeout);
    }

    [Fact]
    public void Reference_should_default_the_smtp_tls_settings()
    {
        var tls = _settings.SmtpTls;
        Assert.Equal(Mta.Tls.Policy.TlsLevel.None, tls.Level);
        Assert.Equal(Mta.Tls.Policy.TlsLevel.None, tls.PolicyResolver.Global);
        Assert.Null(tls.CertFile);
        Assert.Null(tls.KeyFile);
        Assert.Null(tls.CaFile);
        Assert.Null(tls.CaPath);
        Assert.False(tls.AppendDefaultCa);
        Assert.Equal(Mta.Tls.FingerprintDigest.Sha256, tls.FingerprintDigest);
        Assert.Empty(tls.FingerprintCertMatch);
        Assert.Equal(0, tls.LogLevel);
        Assert.False(tls.NoteStartTlsOffer);
        Assert.Null(tls.PerSite);
        Assert.Null(tls.PolicyMaps);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, tls.Protocols);
        Assert.Empty(tls.Warnings);
        Assert.Null(tls.Ciphers);
    }

    [Fact]
    public void Reference_should_default_the_queue_settings()
    {
        Assert.Equal(
            new QueueSettings(
                ActiveLimit: 20_000,
                MinimalBackoffTime: TimeSpan.FromSeconds(300),
                MaximalBackoffTime: TimeSpan.FromSeconds(4000),
                MaximalQueueLifetime: TimeSpan.FromDays(5),
                BounceQueueLifetime: TimeSpan.FromDays(5),
                LocalDeliveryConcurrency: 64,
                SnapshotEvery: 20_000),
            _settings.Queue);
        Assert.Null(_settings.Queue.DelayWarningTime);
    }

    [Fact]
    public void Reference_should_default_the_spool_settings()
    {
        Assert.Equal(new SpoolSettings(SegmentSize: 64L * 1024 * 1024, CommitBatchLimit: 512, MinFreeSpace: 100L * 1024 * 1024), _settings.Spool);
    }

    [Fact]
    public void Reference_should_default_the_admin_settings()
    {
        Assert.Equal(new AdminSettings(Listen: new IPEndPoint(IPAddress.Loopback, 8025), TokenFile: Path.Combine(BaseDirectory, "data", "admin.token")), _settings.Admin);
    }

    [Fact]
    public void Reference_should_define_exactly_the_documented_keys()
    {
        // A key added to reference.conf must get a default assertion above and a place in this list.
        string[] expected =
        [
            "mta.myhostname", "mta.data-dir", "mta.mynetworks", "mta.mydestination", "mta.relay-domains",
            "mta.local-recipients", "mta.transport-maps", "mta.hopcount-limit", "mta.shutdown-timeout",
            "mta.smtpd", "mta.smtpd.listen", "mta.smtpd.recipient-restrictions", "mta.smtpd.message-size-limit",
            "mta.smtpd.recipient-limit", "mta.smtpd.timeout", "mta.smtpd.hard-error-limit", "mta.smtpd.soft-error-limit",
            "mta.smtpd.client-connection-limit", "mta.smtpd.connection-limit", "mta.smtpd.per-request-deadline",
            "mta.smtpd.min-data-rate", "mta.smtpd.greet-pause", "mta.smtpd.peername-lookup", "mta.smtpd.tls-listen", "mta.smtpd.relay-clientcerts",
            "mta.smtpd.tls", "mta.smtpd.tls.security-level", "mta.smtpd.tls.use-tls", "mta.smtpd.tls.enforce-tls",
            "mta.smtpd.tls.cert-file", "mta.smtpd.tls.key-file", "mta.smtpd.tls.ca-file", "mta.smtpd.tls.ca-path",
            "mta.smtpd.tls.ask-ccert", "mta.smtpd.tls.req-ccert", "mta.smtpd.tls.received-header", "mta.smtpd.tls.loglevel",
            "mta.smtpd.tls.fingerprint-digest", "mta.smtpd.tls.protocols", "mta.smtpd.tls.ciphers",
            "mta.smtp", "mta.smtp.relayhost", "mta.smtp.port", "mta.smtp.helo-name", "mta.smtp.destination-concurrency-limit",
            "mta.smtp.connection-cache-time-limit", "mta.smtp.connection-reuse-count-limit",
            "mta.smtp.tls", "mta.smtp.tls.security-level", "mta.smtp.tls.use-tls", "mta.smtp.tls.enforce-tls",
            "mta.smtp.tls.enforce-peername", "mta.smtp.tls.cert-file", "mta.smtp.tls.key-file", "mta.smtp.tls.ca-file",
            "mta.smtp.tls.ca-path", "mta.smtp.tls.append-default-ca", "mta.smtp.tls.fingerprint-digest",
            "mta.smtp.tls.fingerprint-cert-match", "mta.smtp.tls.loglevel", "mta.smtp.tls.note-starttls-offer",
            "mta.smtp.tls.per-site", "mta.smtp.tls.policy-maps", "mta.smtp.tls.protocols", "mta.smtp.tls.ciphers",
            "mta.dns", "mta.dns.servers", "mta.dns.timeout",
            "mta.queue", "mta.queue.active-limit", "mta.queue.minimal-backoff-time", "mta.queue.maximal-backoff-time",
            "mta.queue.maximal-queue-lifetime", "mta.queue.bounce-queue-lifetime", "mta.queue.local-delivery-concurrency",
            "mta.queue.delay-warning-time", "mta.queue.snapshot-every",
            "mta.spool", "mta.spool.segment-size", "mta.spool.commit-batch-limit", "mta.spool.min-free-space",
            "mta.admin", "mta.admin.listen", "mta.admin.token-file",
        ];

        Assert.Equal(expected, MtaConfigLoader.Catalog.AllKeys);
        Assert.True(MtaConfigLoader.Catalog.IsTable("mta.local-recipients"));
        Assert.True(MtaConfigLoader.Catalog.IsTable("mta.transport-maps"));
        Assert.True(MtaConfigLoader.Catalog.IsTable("mta.smtp.tls.per-site"));
        Assert.True(MtaConfigLoader.Catalog.IsTable("mta.smtp.tls.policy-maps"));
        Assert.True(MtaConfigLoader.Catalog.IsList("mta.smtp.tls.fingerprint-cert-match"));
        Assert.True(MtaConfigLoader.Catalog.IsList("mta.dns.servers"));
        Assert.False(MtaConfigLoader.Catalog.IsList("mta.smtp.relayhost"));
        Assert.False(MtaConfigLoader.Catalog.IsTable("mta.smtpd"));
        Assert.True(MtaConfigLoader.Catalog.IsList("mta.relay-domains"));
        Assert.True(MtaConfigLoader.Catalog.IsList("mta.smtpd.listen"));
        Assert.False(MtaConfigLoader.Catalog.IsList("mta.hopcount-limit"));
    }

    [Fact]
    public void Reference_should_document_every_key_with_a_comment_above_it()
    {
        using Stream stream = typeof(MtaConfigLoader).Assembly.GetManifestResourceStream("Mta.reference.conf")!;
        string[] lines = new StreamReader(stream).ReadToEnd().Split('\n');
        var undocumented = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match setting = Regex.Match(lines[i], @"^\s*([a-z-]+)\s*=");
            if (setting.Success && (i == 0 || !lines[i - 1].TrimStart().StartsWith('#')))
            {
                undocumented.Add(setting.Groups[1].Value);
            }
        }

        Assert.Empty(undocumented);
    }
}
