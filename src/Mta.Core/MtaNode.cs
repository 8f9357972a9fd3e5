using System.Net;
using System.Net.NetworkInformation;
using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
using Akka.Persistence.Sql;
using Akka.Streams;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Mta.Core.Bounce;
using Mta.Core.Configuration;
using Mta.Core.Delivery;
using Mta.Core.IO;
using Mta.Core.Ingress;
using Mta.Core.Local;
using Mta.Core.Queue;
using Mta.Core.Routing;
using Mta.Core.Spool;

namespace Mta.Core;

/// <summary>
/// One MTA node wired together on an actor system: spool, queue, group commit, delivery agents
/// and the SMTP listener. The executable composes it through Akka.Hosting; tests start it on
/// their own actor system.
/// </summary>
public sealed class MtaNode
{
    private readonly SmtpListener _listener;
    private readonly GroupCommitter _committer;
    private readonly MtaSettings _settings;

    private MtaNode(MtaSettings settings, SpoolStore spool, IActorRef queue, GroupCommitter committer, SmtpListener listener)
    {
        _settings = settings;
        Spool = spool;
        Queue = queue;
        _committer = committer;
        _listener = listener;
    }

    /// <summary>The spool.</summary>
    public SpoolStore Spool { get; }

    /// <summary>The queue actor (behind its backoff supervisor).</summary>
    public IActorRef Queue { get; }

    /// <summary>The SMTP addresses bound.</summary>
    public IReadOnlyList<IPEndPoint> SmtpEndpoints => _listener.Endpoints;

    /// <summary>
    /// Akka configuration the node needs on its actor system: the queue journal and snapshot
    /// store on SQLite in the data folder, and the queue's serializer.
    /// </summary>
    public static Config AkkaConfig(string dataDir)
    {
        var database = Path.Combine(dataDir, "queue.db");
        var connection = new SqliteConnectionStringBuilder { DataSource = database, Pooling = true }.ConnectionString;
        var quoted = "\"" + connection.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return ConfigurationFactory.ParseString($$"""
            # The host decides when the node stops (sessions first, then the actor system), not the CLR exit hook.
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.actor {
              serializers.mta-queue = "Mta.Core.Queue.QueueSerializer, Mta.Core"
              serialization-bindings {
                "Mta.Core.Queue.IQueueEvent, Mta.Core" = mta-queue
                "Mta.Core.Queue.QueueSnapshot, Mta.Core" = mta-queue
              }
            }
            # SQLite's ADO.NET calls are synchronous and each commit waits for fsync: the journal
            # runs on a thread of its own so the actors' thread pool never blocks on the disk. One
            # thread: the journal writes one batch at a time (parallelism = 1), and SQLite lets one
            # writer in at a time, so a snapshot would hold up journal writes on a second thread too;
            # a second thread only spun while idle.
            mta-journal-dispatcher {
              type = ForkJoinDispatcher
              throughput = 100
              dedicated-thread-pool {
                thread-count = 1
                threadtype = background
              }
            }
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  plugin-dispatcher = "mta-journal-dispatcher"
                  materializer-dispatcher = "mta-journal-dispatcher"
                  connection-string = {{quoted}}
                  provider-name = "SQLite.MS"
                  auto-initialize = on
                  parallelism = 1
                  batch-size = 500
                  db-round-trip-max-batch-size = 1000
                  tag-write-mode = Csv
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  plugin-dispatcher = "mta-journal-dispatcher"
                  connection-string = {{quoted}}
                  provider-name = "SQLite.MS"
                  auto-initialize = on
                }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Creates the data folder and the queue database in WAL mode (synchronous=FULL: each commit is on disk).</summary>
    public static void PrepareDataDirectory(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "queue.db") }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
        command.ExecuteNonQuery();
    }

    /// <summary>Starts every part of the node. The actor system must have been created with <see cref="AkkaConfig"/>.</summary>
    public static MtaNode Start(ActorSystem system, MtaSettings settings, ILoggerFactory loggerFactory, TimeProvider clock)
    {
        PrepareDataDirectory(settings.DataDir);
        // fsync and fdatasync block in the kernel: they get threads of their own, never the shared pool's.
        var spool = new SpoolStore(Path.Combine(settings.DataDir, "spool"), settings.Spool.SegmentSize, loggerFactory.CreateLogger<SpoolStore>(),
            new DedicatedThreadScheduler("spool-sync", 2));
        var maildir = new MaildirWriter(settings.DataDir, settings.MyHostname, loggerFactory.CreateLogger<MaildirWriter>(),
            new DedicatedThreadScheduler("maildir", settings.Queue.LocalDeliveryConcurrency));
        var local = system.ActorOf(LocalDeliveryActor.Props(maildir, spool, settings.Queue.LocalDeliveryConcurrency), "local");
        var resolver = new MxResolver(
            settings.Dns.Servers.Count > 0 ? settings.Dns.Servers : ResolvConf.ReadNameServers(),
            settings.Dns.Timeout, settings.MyHostname, LocalAddresses());
        var smtpLogger = loggerFactory.CreateLogger("Mta.Smtp");
        foreach (var warning in settings.SmtpTls.Warnings) smtpLogger.LogWarning("{Warning}", warning);
        foreach (var error in settings.SmtpTls.PolicyResolver.Errors()) smtpLogger.LogWarning("TLS policy entry unusable, mail for it is deferred: {Error}", error);
        var onward = new DeliveryContext(
            new SmtpConnector(resolver, ClientOptions.Defaults(settings.Smtp.HeloName, clock), ClientTls.Create(settings.SmtpTls, clock, smtpLogger),
                settings.Queue.MinimalBackoffTime, smtpLogger), spool,
            settings.Smtp.DestinationConcurrencyLimit, settings.Smtp.ConnectionCacheTimeLimit, settings.Smtp.ConnectionReuseCountLimit,
            settings.Queue.MinimalBackoffTime, clock);
        var router = system.ActorOf(DeliveryRouter.Props(settings.IsLocalDomain, local, TransportResolver.Create(settings), onward), "router");
        var commits = GroupCommitter.CreateChannel(capacity: 4096);
        var queueIds = new QueueIdGenerator(clock);
        var bounces = system.ActorOf(BounceActor.Props(new BounceContext(settings.MyHostname, spool, queueIds, commits.Writer,
            new DedicatedThreadScheduler("bounce", 2), clock)), "bounce");
        // Journal failures stop the queue actor; it comes back with backoff and recovers from the journal.
        var queue = system.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
            QueueActor.Props(QueueActor.DefaultPersistenceId, spool, settings.Queue, clock, router, loggerFactory.CreateLogger("Mta.Queue"), bounces),
            "queue", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1)), "queue-supervisor");
        var committer = new GroupCommitter(system.Materializer(), spool, queue, settings.Spool.CommitBatchLimit, commits);
        var smtpdLogger = loggerFactory.CreateLogger("Mta.Smtpd");
        foreach (var warning in settings.SmtpdTls.Warnings) smtpdLogger.LogWarning("{Warning}", warning);
        var tls = settings.SmtpdTls.Enabled ? new ServerTls(settings.SmtpdTls, clock, loggerFactory.CreateLogger<ServerTls>()) : null;
        var relayClientCerts = new RelayClientCerts(settings.SmtpdTls.RelayClientCerts, settings.SmtpdTls.FingerprintDigest, smtpdLogger);
        var sessions = system.ActorOf(SessionsActor.Props(new SessionContext(settings, spool, queueIds, clock, smtpdLogger)
        {
            RelayClientCerts = relayClientCerts,
        }), "smtpd");
        var options = new ConnectionOptions(settings.MyHostname, settings.Smtpd.Timeout, settings.Smtpd.PerRequestDeadline,
            settings.Smtpd.MinDataRate, settings.Smtpd.GreetPause, spool, committer.Writer, clock)
        {
            Tls = tls,
            TlsLogLevel = settings.SmtpdTls.LogLevel,
            ClientNames = settings.Smtpd.PeernameLookup
                ? new ClientNameResolver(DnsLookup.Create(settings.Dns.Servers, settings.Dns.Timeout), HostsFile.DefaultPath, clock, smtpdLogger)
                : ClientNameResolver.None,
        };
        var listener = SmtpListener.Start(settings, options, sessions, loggerFactory);
        MtaMetrics.ObserveSessions(() => listener.ConnectionCount);
        return new MtaNode(settings, spool, queue, committer, listener);
    }

    /// <summary>This machine's addresses: an MX host with one of them is this node (mail loops back to myself).</summary>
    private static IReadOnlyList<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
    }

    /// <summary>Graceful stop: sessions finish what they are receiving (up to the shutdown timeout), then the commit stream drains.</summary>
    public async Task StopAsync()
    {
        await _listener.StopAsync(_settings.ShutdownTimeout).ConfigureAwait(false);
        _committer.Complete();
        await Task.WhenAny(_committer.Completion, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
    }
}
