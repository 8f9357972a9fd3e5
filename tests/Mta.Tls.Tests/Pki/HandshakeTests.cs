using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace Mta.Tls.Tests.Pki;

/// <summary>
/// TLS handshakes over a loopback socket with generated certificates: the server certificate is verified by
/// the client against the CA and its name, and the client certificate reaches the server, which identifies
/// it by fingerprint and verifies it against the CA, as relay by client certificate needs.
/// </summary>
public sealed class HandshakeTests
{
    private const string ServerName = "mx.test";
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<KeyAlgorithm, bool, bool> Cases()
    {
        var data = new TheoryData<KeyAlgorithm, bool, bool>();
        foreach (var algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 })
        {
            data.Add(algorithm, false, false);
            data.Add(algorithm, true, false);
            data.Add(algorithm, true, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_handshake_with_generated_certificates_succeeds_and_each_side_sees_the_other(
        KeyAlgorithm algorithm, bool presentClientCertificate, bool loadFromFiles)
    {
        var ca = Mta.Tls.Pki.CreateCa("Handshake CA", TimeSpan.FromDays(1), algorithm);
        var now = DateTimeOffset.UtcNow;
        var serverIssued = Mta.Tls.Pki.Issue(ca, ServerName, [ServerName], CertificateUsage.Server, now.AddMinutes(-1), now.AddDays(1), algorithm);
        var clientIssued = Mta.Tls.Pki.Issue(ca, "client.test", [], CertificateUsage.Client, now.AddMinutes(-1), now.AddDays(1), algorithm);
        using var folder = new TemporaryFolder();
        using var caCertificate = ca.ToX509Certificate2();
        using var serverCertificate = loadFromFiles ? LoadFromFiles(folder, "server", serverIssued) : serverIssued.ToX509Certificate2();
        using var clientCertificate = loadFromFiles ? LoadFromFiles(folder, "client", clientIssued) : clientIssued.ToX509Certificate2();

        var result = await HandshakeAsync(serverCertificate, presentClientCertificate ? clientCertificate : null, caCertificate);

        Assert.True(result.ClientTrustedServer, "the client could not verify the server certificate");
        Assert.Equal(Fingerprint.OfCertificate(serverCertificate, FingerprintDigest.Sha256), result.ServerFingerprintSeenByClient);
        Assert.Equal("250 ok", result.ReplyReadByClient);
        if (presentClientCertificate)
        {
            Assert.Equal(Fingerprint.OfPublicKey(clientCertificate, FingerprintDigest.Sha256), result.ClientPublicKeyFingerprintSeenByServer);
            Assert.True(result.ServerTrustedClient, "the server could not verify the client certificate");
        }
        else
        {
            Assert.Null(result.ClientPublicKeyFingerprintSeenByServer);
        }
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_arrives_but_is_not_trusted()
    {
        var ca = Mta.Tls.Pki.CreateCa("Handshake CA", TimeSpan.FromDays(1));
        var stranger = Mta.Tls.Pki.CreateCa("Stranger CA", TimeSpan.FromDays(1));
        var now = DateTimeOffset.UtcNow;
        using var caCertificate = ca.ToX509Certificate2();
        using var serverCertificate = Mta.Tls.Pki.Issue(ca, ServerName, [ServerName], CertificateUsage.Server, now.AddMinutes(-1), now.AddDays(1)).ToX509Certificate2();
        using var clientCertificate = Mta.Tls.Pki.Issue(stranger, "client.test", [], CertificateUsage.Client, now.AddMinutes(-1), now.AddDays(1)).ToX509Certificate2();

        var result = await HandshakeAsync(serverCertificate, clientCertificate, caCertificate);

        Assert.Equal(Fingerprint.OfPublicKey(clientCertificate, FingerprintDigest.Sha256), result.ClientPublicKeyFingerprintSeenByServer);
        Assert.False(result.ServerTrustedClient);
    }

    private sealed record HandshakeResult(
        bool ClientTrustedServer,
        string? ServerFingerprintSeenByClient,
        string ReplyReadByClient,
        string? ClientPublicKeyFingerprintSeenByServer,
        bool ServerTrustedClient);

    private static X509Certificate2 LoadFromFiles(TemporaryFolder folder, string name, IssuedCertificate issued) =>
        Mta.Tls.Pki.LoadCertificateWithKey(folder.Write(name + ".pem", issued.CertificatePem), folder.Write(name + ".key", issued.PrivateKeyPem));

    private static async Task<HandshakeResult> HandshakeAsync(X509Certificate2 serverCertificate, X509Certificate2? clientCertificate, X509Certificate2 ca)
    {
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var serverSide = ServeOneAsync(listener, serverCertificate, ca, timeout.Token);
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, timeout.Token);
            await using var tls = new SslStream(client.GetStream());
            var clientTrustedServer = false;
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = ServerName,
                    ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    {
                        clientTrustedServer = certificate is X509Certificate2 presented && ChainsTo(presented, ca) && PeerName.Matches(presented, ServerName);
                        return true;
                    },
                },
                timeout.Token);
            var serverFingerprint = tls.RemoteCertificate is X509Certificate2 server ? Fingerprint.OfCertificate(server, FingerprintDigest.Sha256) : null;
            await tls.WriteAsync("EHLO client.test\r\n"u8.ToArray(), timeout.Token);
            var reply = await ReadLineAsync(tls, timeout.Token);
            var (clientFingerprint, serverTrustedClient) = await serverSide;
            return new HandshakeResult(clientTrustedServer, serverFingerprint, reply, clientFingerprint, serverTrustedClient);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Accepts one connection, asks for a client certificate, answers one line, and reports the client certificate.</summary>
    private static async Task<(string? ClientFingerprint, bool Trusted)> ServeOneAsync(
        TcpListener listener, X509Certificate2 serverCertificate, X509Certificate2 ca, CancellationToken cancellationToken)
    {
        using var connection = await listener.AcceptTcpClientAsync(cancellationToken);
        await using var tls = new SslStream(connection.GetStream());
        await tls.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, null, offline: true),
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // As ask-ccert: a client without a certificate, or with an untrusted one, still proceeds.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
            cancellationToken);
        var line = await ReadLineAsync(tls, cancellationToken);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(line.StartsWith("EHLO ", StringComparison.Ordinal) ? "250 ok\r\n" : "500 what\r\n"), cancellationToken);
        await tls.FlushAsync(cancellationToken);
        if (tls.RemoteCertificate is not X509Certificate2 client) return (null, false);
        return (Fingerprint.OfPublicKey(client, FingerprintDigest.Sha256), ChainsTo(client, ca));
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static async Task<string> ReadLineAsync(SslStream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (await stream.ReadAsync(buffer, cancellationToken) == 1)
        {
            if (buffer[0] == '\n') break;
            if (buffer[0] != '\r') line.Append((char)buffer[0]);
        }
        return line.ToString();
    }
}
