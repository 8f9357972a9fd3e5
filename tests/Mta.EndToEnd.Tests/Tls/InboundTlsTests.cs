using System.Diagnostics;
using System.Text;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// The seed's server (Tabella 1 and 2) translated to HOCON: STARTTLS offered, client certificates
/// asked for, relay for mynetworks (which does not contain the test client) and for listed
/// certificate fingerprints only. Real clients: swaks and openssl s_client.
/// </summary>
public sealed class InboundTlsTests(ITestOutputHelper output) : IClassFixture<TestCertificatesFixture>
{
    private TestCertificates Certs => fixture.Certificates;
    private readonly TestCertificatesFixture fixture = new();

    private Task<MtaServerProcess> StartAsync(TemporaryFolder root, string extra = "") =>
        MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(), $$"""
            mynetworks = ["192.0.2.0/24"]
            smtpd.recipient-restrictions = [permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination]
            smtpd.relay-clientcerts { "{{Certs.ListedFingerprint}}" = "client1.my.net" }
            smtpd.tls {
              cert-file = "{{Certs.ServerCert}}"
              key-file = "{{Certs.ServerKey}}"
              ca-file = "{{Certs.CaFile}}"
              use-tls = yes
              ask-ccert = yes
              received-header = yes
              loglevel = 1
            }
            {{extra}}
            """, output);

    private static async Task<string> RelayWithSwaksAsync(int port, string? cert, string? key, string to = "partner@remote.example")
    {
        var arguments = new List<string> { "--server", $"127.0.0.1:{port}", "--tls", "--to", to, "--from", "sender@client1.my.net", "--quit-after", "RCPT" };
        if (cert is not null) arguments.AddRange(["--tls-cert", cert, "--tls-key", key!]);
        var (_, transcript) = await Swaks.RunAsync([.. arguments]);
        return transcript;
    }

    [Fact]
    public async Task A_client_with_a_listed_certificate_relays_and_every_other_client_is_refused()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root);

        Assert.Contains("<~  250 2.1.5 Ok", await RelayWithSwaksAsync(server.Port, Certs.Listed, Certs.ListedKey));
        foreach (var (cert, key) in new[]
                 {
                     (Certs.Unlisted, Certs.UnlistedKey), (Certs.SelfSigned, Certs.SelfSignedKey), (Certs.Expired, Certs.ExpiredKey),
                     (Certs.Copycat, Certs.CopycatKey), (Certs.Foreign, Certs.ForeignKey), ((string?)null, (string?)null),
                 })
        {
            var transcript = await RelayWithSwaksAsync(server.Port, cert, key);
            Assert.Contains("554 5.7.1 <partner@remote.example>: Relay access denied", transcript);
        }
    }

    [Fact]
    public async Task The_seeds_md5_public_key_fingerprint_table_works_with_fingerprint_digest_md5()
    {
        using var root = new TemporaryFolder();
        var table = Path.Combine(root.Path, "relay_clients");
        await File.WriteAllTextAsync(table, $"# Tabella 2\n{Certs.ListedPublicKeyFingerprintMd5.ToLowerInvariant()} client1.my.net\nnot-a-fingerprint client2.my.net\n");
        await using var server = await StartAsync(root, $$"""
            smtpd.relay-clientcerts = "hash:{{table}}"
            smtpd.tls.fingerprint-digest = md5
            """);

        Assert.Contains("<~  250 2.1.5 Ok", await RelayWithSwaksAsync(server.Port, Certs.Listed, Certs.ListedKey));
        Assert.Contains("554 5.7.1", await RelayWithSwaksAsync(server.Port, Certs.Unlisted, Certs.UnlistedKey));
        Assert.Contains("line 3", server.Output);
    }

    [Fact]
    public async Task Permit_tls_all_clientcerts_accepts_any_certificate_of_the_CA_and_no_other()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root, "smtpd.recipient-restrictions = [permit_tls_all_clientcerts, reject_unauth_destination]");

        Assert.Contains("<~  250 2.1.5 Ok", await RelayWithSwaksAsync(server.Port, Certs.Unlisted, Certs.UnlistedKey));
        Assert.Contains("554 5.7.1", await RelayWithSwaksAsync(server.Port, Certs.Foreign, Certs.ForeignKey));
        Assert.Contains("554 5.7.1", await RelayWithSwaksAsync(server.Port, Certs.Expired, Certs.ExpiredKey));
        Assert.Contains("554 5.7.1", await RelayWithSwaksAsync(server.Port, Certs.SelfSigned, Certs.SelfSignedKey));
    }

    [Fact]
    public async Task Mail_over_TLS_gets_the_TLS_lines_in_its_Received_header()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root);
        var (exit, transcript) = await Swaks.RunAsync("--server", $"127.0.0.1:{server.Port}", "--tls", "--tls-cert", Certs.Listed, "--tls-key", Certs.ListedKey,
            "--to", "user@localhost", "--from", "sender@client1.my.net");
        Assert.True(exit == 0, transcript);

        var received = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync("user@localhost")).Received;
        Assert.Matches(@"\r\n\t\(using TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)\)\r\n\t\(Client CN ""client1\.my\.net"", Issuer ""My CA"" \(verified OK\)\)\r\n\tby mx\.test \(Mta\) with ESMTPS id ", received);
    }

    [Fact]
    public async Task Loglevel_3_logs_the_handshake_steps_and_the_client_certificate()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root, "smtpd.tls.loglevel = 3");
        Assert.Contains("<~  250 2.1.5 Ok", await RelayWithSwaksAsync(server.Port, Certs.Listed, Certs.ListedKey));

        await Poll.UntilAsync(() => server.Output, o => o.Contains("Trusted TLS connection established"), TimeSpan.FromSeconds(10), o => o);
        Assert.Matches(@"setting up TLS connection from \S+\[127\.0\.0\.1\] \(STARTTLS\)", server.Output);
        Assert.Contains("TLS handshake done", server.Output);
        Assert.Contains("client certificate subject CN=client1.my.net, issuer CN=My CA", server.Output);
    }

    [Fact]
    public async Task Ciphers_high_refuses_a_client_that_offers_only_128_bit_suites()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root, "smtpd.tls.ciphers = high");

        var weak = await SmtpOverOpenSslAsync(server.Port, "EHLO client.example\r\nQUIT\r\n", null, null, "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-tls1_3");
        Assert.DoesNotContain("250-mx.test Hello client.example", weak[..weak.IndexOf(StderrMarker, StringComparison.Ordinal)]);
        var strong = await SmtpOverOpenSslAsync(server.Port, "EHLO client.example\r\nQUIT\r\n", null, null, "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-tls1_3");
        Assert.Contains("250-mx.test Hello client.example", strong[..strong.IndexOf(StderrMarker, StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task Encrypt_refuses_MAIL_before_STARTTLS_and_does_not_advertise_STARTTLS_twice()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root, "smtpd.tls.security-level = encrypt");
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).FirstLine);
        Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
        Assert.Equal("501 5.5.4 Syntax: STARTTLS", (await connection.CommandAsync("STARTTLS now")).FirstLine);
        Assert.Equal("220 2.0.0 Ready to start TLS", (await connection.CommandAsync("STARTTLS")).FirstLine);
    }

    [Fact]
    public async Task Req_ccert_gives_421_after_a_handshake_without_a_trusted_certificate()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root, "smtpd.tls { security-level = encrypt, req-ccert = yes }");

        var untrusted = await SmtpOverOpenSslAsync(server.Port, "EHLO client.example\r\n", Certs.SelfSigned, Certs.SelfSignedKey);
        Assert.Contains("421 4.7.1 mx.test Error: Client certificate not trusted", untrusted);
        var none = await SmtpOverOpenSslAsync(server.Port, "EHLO client.example\r\n", null, null);
        Assert.Contains("421 4.7.1 mx.test Error: No client certificate presented", none);
        var trusted = await SmtpOverOpenSslAsync(server.Port, "EHLO client.example\r\nQUIT\r\n", Certs.Listed, Certs.ListedKey);
        var afterHandshake = trusted[..trusted.IndexOf(StderrMarker, StringComparison.Ordinal)];
        Assert.Contains("250-mx.test Hello client.example", afterHandshake);
        Assert.DoesNotContain("STARTTLS", afterHandshake);
        Assert.Contains("221 2.0.0 Bye", afterHandshake);
    }

    [Fact]
    public async Task Commands_sent_in_the_same_packet_as_STARTTLS_are_never_executed()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root);
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        await connection.SendAsync("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<victim@localhost>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", (await connection.ReadReplyAsync()).FirstLine);
        await connection.DisposeAsync();

        // Had the injected commands run, they would have answered in plaintext before the handshake
        // and the server would log them; nothing but the handshake attempt follows.
        await Poll.UntilAsync(() => server.Output, o => o.Contains("TLS handshake failed") || o.Contains("disconnect"), TimeSpan.FromSeconds(10), o => o);
        Assert.DoesNotContain("injected@evil.example", server.Output);
        Assert.Empty(server.Maildirs.Files("victim@localhost"));
    }

    [Fact]
    public async Task A_resumed_TLS_session_still_relays_by_its_certificate()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartAsync(root);
        var session = Path.Combine(root.Path, "tls-session.pem");
        var commands = "EHLO client.example\r\nMAIL FROM:<a@client1.my.net>\r\nRCPT TO:<partner@remote.example>\r\nQUIT\r\n";

        var first = await SmtpOverOpenSslAsync(server.Port, commands, Certs.Listed, Certs.ListedKey, "-sess_out", session);
        Assert.Contains("250 2.1.5 Ok", first);
        var resumed = await SmtpOverOpenSslAsync(server.Port, commands, Certs.Listed, Certs.ListedKey, "-sess_in", session);
        Assert.Contains("250 2.1.5 Ok", resumed);
    }

    /// <summary>
    /// Talks SMTP through <c>openssl s_client -starttls smtp</c>, a line every half second as a
    /// person would type (s_client has no way to wait for replies); returns what it printed.
    /// </summary>
    private static async Task<string> SmtpOverOpenSslAsync(int port, string commands, string? cert, string? key, params string[] extra)
    {
        var arguments = new StringBuilder($"s_client -connect 127.0.0.1:{port} -starttls smtp -quiet");
        if (cert is not null) arguments.Append($" -cert '{cert}' -key '{key}'");
        foreach (var argument in extra) arguments.Append($" '{argument}'");
        var typing = new StringBuilder("sleep 1");
        foreach (var line in commands.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
            typing.Append($"; printf '%s\\r\\n' '{line}'; sleep 0.5");
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $"({typing}) | openssl {arguments}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + StderrMarker + await stderr;
    }

    /// <summary>Separates what the server said (stdout) from openssl's own messages.</summary>
    private const string StderrMarker = "\n--- openssl stderr ---\n";
}

/// <summary>One set of certificates for all the TLS tests of a class.</summary>
public sealed class TestCertificatesFixture : IDisposable
{
    internal TestCertificates Certificates { get; } = new();

    public void Dispose() => Certificates.Dispose();
}
