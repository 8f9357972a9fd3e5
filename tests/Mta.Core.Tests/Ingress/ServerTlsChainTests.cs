using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Configuration;
using Mta.Core.Ingress;
using Mta.Core.Tests.Support;
using Mta.Tls;
using Xunit;
using TlsPki = Mta.Tls.Pki;

namespace Mta.Core.Tests.Ingress;

/// <summary>
/// A client certificate issued by an intermediate CA, with only the root in ca-file: verified when
/// the client sends the intermediate with its certificate, as OpenSSL verifies it for Postfix, and
/// not verified when it does not.
/// </summary>
public sealed class ServerTlsChainTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly CertificateChain _chain;
    private readonly ServerTls _server;

    public ServerTlsChainTests()
    {
        _chain = new CertificateChain(_folder.Path);
        var ca = TlsPki.CreateCa("Server CA", TimeSpan.FromDays(30));
        var serverCertificate = TlsPki.Issue(ca, "mx.test", ["mx.test"], CertificateUsage.Server, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string certFile = Path.Combine(_folder.Path, "server.pem");
        string keyFile = Path.Combine(_folder.Path, "server.key");
        File.WriteAllText(certFile, serverCertificate.CertificatePem);
        File.WriteAllText(keyFile, serverCertificate.PrivateKeyPem);
        var settings = new SmtpdTlsSettings(SmtpdTlsLevel.May, certFile, keyFile, _chain.RootFile, null, AskCcert: true, RequireCcert: false,
            ReceivedHeader: true, LogLevel: 0, FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, [],
            TableSource.FromEntries(new Dictionary<string, string>(), "mta.smtpd.tls.relay-clientcerts"));
        _server = new ServerTls(settings, TimeProvider.System, NullLogger.Instance);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task A_client_certificate_from_an_intermediate_is_verified_when_the_client_sends_the_intermediate(SslProtocols protocol)
    {
        TlsFacts facts = await HandshakeAsync(withIntermediate: true, protocol);

        Assert.True(facts.ClientCertificate);
        Assert.Equal("partner.test", facts.Subject);
        Assert.Equal("Chain Intermediate", facts.Issuer);
        Assert.True(facts.Verified);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Without_the_intermediate_the_client_certificate_is_not_verified(SslProtocols protocol)
    {
        TlsFacts facts = await HandshakeAsync(withIntermediate: false, protocol);

        Assert.True(facts.ClientCertificate);
        Assert.False(facts.Verified);
    }

    public void Dispose()
    {
        _chain.Dispose();
        _folder.Dispose();
    }

    private async Task<TlsFacts> HandshakeAsync(bool withIntermediate, SslProtocols protocol)
    {
        string certFile = Path.Combine(_folder.Path, "client.pem");
        string keyFile = Path.Combine(_folder.Path, "client.key");
        _chain.WriteClient("partner.test", withIntermediate, certFile, keyFile);
        using X509Certificate2 leaf = TlsPki.LoadCertificateWithKey(certFile, keyFile);
        X509Certificate2Collection sentAfter = TlsPki.LoadCertificates(certFile);
        sentAfter.RemoveAt(0);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using TcpClient accepted = await listener.AcceptTcpClientAsync();
        await using var server = new SslStream(accepted.GetStream());
        await using var clientStream = new SslStream(client.GetStream());
        var clientOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "mx.test",
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            ClientCertificateContext = SslStreamCertificateContext.Create(leaf, sentAfter, offline: true),
        };
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(_server.Options),
            clientStream.AuthenticateAsClientAsync(clientOptions));
        return _server.Describe(server);
    }
}
