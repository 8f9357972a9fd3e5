using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Configuration;
using Mta.Core.Delivery;
using Mta.Core.Tests.Support;
using Mta.Tls;
using Mta.Tls.Policy;
using Xunit;

namespace Mta.Core.Tests.Delivery;

/// <summary>
/// The client certificate goes out with the chain that follows it in cert-file, and a renewed
/// certificate is offered once the files change: seen by an in-process TLS server that records what
/// the client sent.
/// </summary>
public sealed class ClientCertificateChainTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly TemporaryDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly CertificateChain _chain;
    private readonly string _certFile;
    private readonly string _keyFile;

    public ClientCertificateChainTests()
    {
        _chain = new CertificateChain(_folder.Path);
        _certFile = Path.Combine(_folder.Path, "client.pem");
        _keyFile = Path.Combine(_folder.Path, "client.key");
    }

    [Fact]
    public async Task The_intermediates_after_the_leaf_in_cert_file_are_sent_with_the_client_certificate()
    {
        _chain.WriteClient("partner.test", withIntermediate: true, _certFile, _keyFile);
        ClientTls tls = ClientTls.Create(Settings(), _clock);

        IReadOnlyList<string> sent = await HandshakeAsync(tls);

        Assert.Equal(["CN=partner.test", "CN=Chain Intermediate"], sent);
    }

    [Fact]
    public async Task A_cert_file_without_intermediates_sends_the_leaf_alone()
    {
        _chain.WriteClient("partner.test", withIntermediate: false, _certFile, _keyFile);
        ClientTls tls = ClientTls.Create(Settings(), _clock);

        IReadOnlyList<string> sent = await HandshakeAsync(tls);

        Assert.Equal(["CN=partner.test"], sent);
    }

    [Fact]
    public async Task A_renewed_client_certificate_is_offered_once_its_files_change()
    {
        _chain.WriteClient("old.partner.test", withIntermediate: true, _certFile, _keyFile);
        ClientTls tls = ClientTls.Create(Settings(), _clock);
        string? oldFingerprint = tls.ClientCertificateFingerprint;
        Assert.Equal("CN=old.partner.test", (await HandshakeAsync(tls))[0]);

        _chain.WriteClient("new.partner.test", withIntermediate: true, _certFile, _keyFile);
        File.SetLastWriteTimeUtc(_certFile, Now.UtcDateTime.AddMinutes(1));
        File.SetLastWriteTimeUtc(_keyFile, Now.UtcDateTime.AddMinutes(1));
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("CN=new.partner.test", (await HandshakeAsync(tls))[0]);
        Assert.NotEqual(oldFingerprint, tls.ClientCertificateFingerprint);
    }

    public void Dispose()
    {
        _chain.Dispose();
        _folder.Dispose();
    }

    private static async Task<IReadOnlyList<string>> HandshakeAsync(ClientTls tls)
    {
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=server.test", serverKey, HashAlgorithmName.SHA256);
        using X509Certificate2 serverCertificate = serverRequest.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using TcpClient accepted = await listener.AcceptTcpClientAsync();

        var sent = new List<string>();
        await using var server = new SslStream(accepted.GetStream());
        await using var clientStream = new SslStream(client.GetStream());
        var serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is not null)
                {
                    sent.Add(certificate.Subject);
                }

                foreach (X509Certificate2 extra in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    if (!sent.Contains(extra.Subject))
                    {
                        sent.Add(extra.Subject);
                    }
                }

                return true;
            },
        };
        SslClientAuthenticationOptions clientOptions = tls.HandshakeOptions(new TlsPolicy(TlsLevel.Encrypt, [], null, null, "test"), "server.test")!;
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(serverOptions),
            clientStream.AuthenticateAsClientAsync(clientOptions));
        return sent;
    }

    private SmtpTlsSettings Settings() =>
        new(TlsLevel.Encrypt, _certFile, _keyFile, null, null, false, FingerprintDigest.Sha256, [], 0, false, null, null, SslProtocols.Tls12 | SslProtocols.Tls13)
        {
            PolicyResolver = new TlsPolicyResolver(TlsLevel.Encrypt, null, null),
        };
}
