using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Pki;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// The server certificate is replaced on disk while the server runs, as a renewal job does: new
/// handshakes get the new certificate without a restart, and a broken file never takes TLS down.
/// </summary>
public sealed partial class CertificateRotationTests(TestCertificatesFixture fixture, ITestOutputHelper output) : IClassFixture<TestCertificatesFixture>
{
    private const string Recipient = "user@localhost";
    private const string RejectedFileLog = "keeping the previous ones";
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);

    private TestCertificates Certs => fixture.Certificates;

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_handshakes_without_a_restart()
    {
        using var root = new TemporaryFolder();
        var (certFile, keyFile) = CopyServerCertificate(root);
        await using var server = await StartAsync(root, certFile, keyFile);
        Assert.Equal(MtaServerProcess.HostName, await ServedCommonNameAsync(root, server.Port));

        // Each file is replaced whole (rename), key first, as renewal tools do.
        Replace(keyFile, await File.ReadAllTextAsync(Certs.RenewedServerKey));
        Replace(certFile, await File.ReadAllTextAsync(Certs.RenewedServerCert));

        await HandshakeUntilAsync(root, server, () => true, TestCertificates.RenewedServerName,
            $"the server did not serve {TestCertificates.RenewedServerName} within {ReloadTimeout}");
        Assert.Equal(TestCertificates.RenewedServerName, await ServedCommonNameAsync(root, server.Port));
    }

    [Fact]
    public async Task A_broken_certificate_file_keeps_the_previous_certificate_and_the_log_says_why()
    {
        using var root = new TemporaryFolder();
        var (certFile, keyFile) = CopyServerCertificate(root);
        await using var server = await StartAsync(root, certFile, keyFile);
        Assert.Equal(MtaServerProcess.HostName, await ServedCommonNameAsync(root, server.Port));

        await File.WriteAllTextAsync(certFile, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");

        await HandshakeUntilAsync(root, server, () => server.Output.Contains(RejectedFileLog, StringComparison.Ordinal), MtaServerProcess.HostName,
            $"the server did not log that it rejected the broken {certFile} within {ReloadTimeout}");
        Assert.Contains(server.Output.Split('\n'), line => line.Contains(RejectedFileLog, StringComparison.Ordinal) && line.Contains("cannot be used", StringComparison.Ordinal));
        var (exit, transcript) = await Swaks.RunAsync("--server", $"127.0.0.1:{server.Port}", "--tls", "--to", Recipient, "--from", TestMessages.Sender);
        Assert.True(exit == 0, transcript);
        Assert.Contains(" with ESMTPS id ", DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(Recipient)).Received);
    }

    /// <summary>Copies of the first server certificate and key into <paramref name="root"/>, for the test to replace.</summary>
    private (string CertFile, string KeyFile) CopyServerCertificate(TemporaryFolder root)
    {
        var certFile = Path.Combine(root.Path, "server.pem");
        var keyFile = Path.Combine(root.Path, "server.key");
        File.Copy(Certs.ServerCert, certFile);
        File.Copy(Certs.ServerKey, keyFile);
        return (certFile, keyFile);
    }

    private Task<MtaServerProcess> StartAsync(TemporaryFolder root, string certFile, string keyFile) =>
        MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(), $$"""
            smtpd.tls {
              cert-file = "{{certFile}}"
              key-file = "{{keyFile}}"
              use-tls = yes
              loglevel = 1
            }
            """, output);

    /// <summary>
    /// Handshakes again and again, each of which must succeed and show <paramref name="expectedName"/>
    /// once it has been seen, until <paramref name="done"/> holds after a handshake that showed it.
    /// </summary>
    private static async Task HandshakeUntilAsync(TemporaryFolder root, MtaServerProcess server, Func<bool> done, string expectedName, string failure)
    {
        var deadline = DateTime.UtcNow + ReloadTimeout;
        var seen = false;
        while (true)
        {
            var name = await ServedCommonNameAsync(root, server.Port);
            if (seen) Assert.Equal(expectedName, name);
            seen |= name == expectedName;
            if (seen && done()) return;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"{failure}; last served CN {name}; server output:\n{server.Output}");
        }
    }

    /// <summary>The CN of the certificate a STARTTLS handshake gets now, as <c>openssl s_client</c> prints its subject.</summary>
    private static async Task<string> ServedCommonNameAsync(TemporaryFolder root, int port)
    {
        var outcome = await CommandLine.OpenSslAsync(root.Path, "s_client", "-connect", $"127.0.0.1:{port}", "-starttls", "smtp");
        var subject = SubjectLine().Match(outcome.Output);
        Assert.True(subject.Success, $"openssl s_client printed no subject: {outcome}");
        return subject.Groups["cn"].Value;
    }

    private static void Replace(string path, string text)
    {
        var next = path + ".new";
        File.WriteAllText(next, text);
        File.Move(next, path, overwrite: true);
    }

    [GeneratedRegex(@"^subject=.*\bCN ?= ?(?<cn>[^,/\r\n]+)", RegexOptions.Multiline)]
    private static partial Regex SubjectLine();
}
