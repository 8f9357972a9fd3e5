using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mta.LoadGen;
using Mta.Sink;

namespace Mta.Perf.Tests;

/// <summary>The load generator against the sink over real loopback sockets, both in this process.</summary>
public sealed class SinkAndLoadGenTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("mta-perf-tests-");

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public async Task Pipelined_reused_sessions_deliver_every_message_to_the_sink()
    {
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0 });
        var result = await RunLoadAsync(sink, new LoadGenOptions { Sessions = 4, Messages = 300, Size = 3000, Warmup = TimeSpan.Zero });

        Assert.Equal(300, result.Accepted);
        Assert.Empty(result.Errors);
        Assert.True(result.ServerAdvertisedPipelining);
        Assert.Equal(300, sink.Counters.Messages);
        Assert.Equal(4, sink.Counters.SessionsTotal);
        Assert.Equal(300, result.Latency.Count);
    }

    [Fact]
    public async Task One_connection_per_message_without_pipelining_counts_every_recipient()
    {
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0 });
        var result = await RunLoadAsync(sink, new LoadGenOptions { Sessions = 2, Messages = 40, Recipients = 3, Reuse = false, Pipelining = false, Warmup = TimeSpan.Zero });

        Assert.Equal(40, result.Accepted);
        Assert.Equal(120, sink.Counters.Recipients);
        Assert.Equal(40, sink.Counters.SessionsTotal);
    }

    [Fact]
    public async Task Deferred_messages_are_reported_by_reply_code_and_not_counted_as_received()
    {
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0, DeferRate = 1 });
        var result = await RunLoadAsync(sink, new LoadGenOptions { Sessions = 2, Messages = 30, Warmup = TimeSpan.Zero });

        Assert.Equal(0, result.Accepted);
        Assert.Equal(30, Assert.Contains("451", result.Errors).Count);
        Assert.Equal((0L, 30L, 0L), (sink.Counters.Messages, sink.Counters.Deferred, sink.Counters.Rejected));
    }

    [Fact]
    public async Task Starttls_with_a_client_certificate_checked_against_the_ca()
    {
        var files = WriteCertificates();
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0, TlsCertFile = files.ServerCert, TlsKeyFile = files.ServerKey });
        var options = new LoadGenOptions
        {
            Sessions = 3, Messages = 60, Warmup = TimeSpan.Zero,
            StartTls = true, TlsCertFile = files.ClientCert, TlsKeyFile = files.ClientKey, TlsCaFile = files.CaCert,
        };
        var result = await RunLoadAsync(sink, options);

        Assert.Empty(result.Errors);
        Assert.Equal(60, result.Accepted);
        Assert.Equal(60, sink.Counters.Messages);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_fails_the_handshake()
    {
        var files = WriteCertificates();
        var otherCa = WriteCertificates("other");
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0, TlsCertFile = files.ServerCert, TlsKeyFile = files.ServerKey });
        var result = await RunLoadAsync(sink, new LoadGenOptions { Sessions = 1, Messages = 3, Warmup = TimeSpan.Zero, StartTls = true, TlsCaFile = otherCa.CaCert });

        Assert.Equal(0, result.Accepted);
        Assert.Equal(3, Assert.Contains("tls", result.Errors).Count);
        Assert.Equal(0, sink.Counters.Messages);
    }

    [Fact]
    public async Task Starttls_against_a_server_that_does_not_offer_it_is_an_error()
    {
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0 });
        var result = await RunLoadAsync(sink, new LoadGenOptions { Sessions = 1, Messages = 2, Warmup = TimeSpan.Zero, StartTls = true });

        Assert.Equal(2, Assert.Contains("starttls-not-offered", result.Errors).Count);
    }

    [Fact]
    public async Task Idle_sessions_are_opened_held_and_ended_with_quit()
    {
        await using var sink = RunningSink.Start(new SinkOptions { Port = 0 });
        var options = new LoadGenOptions { IdleSessions = 25, Hold = TimeSpan.Zero };
        var announcements = new StringWriter();
        var result = await new IdleSessionRunner(options, sink.Endpoint, tls: null, announcements).RunAsync(CancellationToken.None);

        Assert.Equal((25, 25, 25, 0), (result.Requested, result.Opened, result.AnsweredQuit, result.Dropped));
        Assert.Empty(result.Errors);
        Assert.StartsWith("holding 25 idle sessions", announcements.ToString(), StringComparison.Ordinal);
        Assert.Equal(25, sink.Counters.SessionsTotal);
    }

    private static async Task<RunResult> RunLoadAsync(RunningSink sink, LoadGenOptions options)
    {
        using var tls = options.StartTls ? TlsClientSettings.Load(options with { Host = "127.0.0.1" }) : null;
        return await new LoadRunner(options, sink.Endpoint, TextWriter.Null, tls).RunAsync(CancellationToken.None);
    }

    /// <summary>A CA, a server certificate it issued, and a client certificate it issued, as PEM files.</summary>
    private (string CaCert, string ServerCert, string ServerKey, string ClientCert, string ClientKey) WriteCertificates(string prefix = "test")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={prefix} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        string Issue(string name, string usageOid, byte serial)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
            using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [serial]);
            var path = Path.Combine(folder.FullName, $"{prefix}-{name}");
            File.WriteAllText(path + ".pem", certificate.ExportCertificatePem());
            File.WriteAllText(path + ".key", key.ExportPkcs8PrivateKeyPem());
            return path;
        }

        var caPath = Path.Combine(folder.FullName, $"{prefix}-ca.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var server = Issue("server", "1.3.6.1.5.5.7.3.1", 1);
        var client = Issue("client", "1.3.6.1.5.5.7.3.2", 2);
        return (caPath, server + ".pem", server + ".key", client + ".pem", client + ".key");
    }

    /// <summary>A sink serving on a free loopback port until disposed.</summary>
    private sealed class RunningSink : IAsyncDisposable
    {
        private readonly SinkServer server;
        private readonly CancellationTokenSource stop = new();
        private readonly Task serving;

        private RunningSink(SinkServer server, SinkCounters counters)
        {
            this.server = server;
            Counters = counters;
            serving = server.RunAsync(stop.Token);
        }

        public SinkCounters Counters { get; }

        public IPEndPoint Endpoint => new(IPAddress.Loopback, server.Port);

        public static RunningSink Start(SinkOptions options)
        {
            var counters = new SinkCounters();
            return new RunningSink(SinkServer.Start(options, counters), counters);
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await serving;
            server.Dispose();
            stop.Dispose();
        }
    }
}
