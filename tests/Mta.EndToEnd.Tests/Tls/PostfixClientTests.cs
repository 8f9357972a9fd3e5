using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// Postfix as the sending client of the seed (Tabella 3), relaying through our server configured as
/// the seed's server (Tabella 1 and 2). Each test starts its own server on the port Postfix relays to.
/// </summary>
public sealed class PostfixClientTests(PostfixClientFixture fixture, ITestOutputHelper output) : IClassFixture<PostfixClientFixture>
{
    private const string Recipient = "user@remote.example";

    private TestCertificates Certs => fixture.Certificates;

    private PostfixInstance Postfix => fixture.Postfix;

    /// <summary>
    /// Our server as the seed's, on the port Postfix relays to. remote.example is not a local domain,
    /// so only a relay permission lets mail for it in; once in, the transport map keeps it here.
    /// </summary>
    private Task<MtaServerProcess> StartServerAsync(TemporaryFolder root, string? relayClientCerts = null) =>
        MtaServerProcess.StartAsync(root.Path, fixture.RelayPort,
            SeedServer.Settings(Certs, relayClientCerts: relayClientCerts, extra: """transport-maps { "remote.example" = "local:" }"""), output);

    private async Task<string> SendThroughPostfixAsync(string messageId)
    {
        await Postfix.SendAsync($"sender@{PostfixInstance.HostName}", $"""
            From: <sender@{PostfixInstance.HostName}>
            To: <{Recipient}>
            Subject: relayed by Postfix
            Message-ID: {messageId}

            Sent by Postfix with its client certificate.

            """);
        return await Postfix.WaitForDeliveryAttemptAsync(messageId, Recipient);
    }

    [Fact]
    public async Task Postfix_relays_with_its_listed_client_certificate_over_verified_TLS()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartServerAsync(root);
        var messageId = TestMessages.NewMessageId();

        var attempt = await SendThroughPostfixAsync(messageId);

        Assert.True(attempt.Contains($"relay=127.0.0.1[127.0.0.1]:{fixture.RelayPort}", StringComparison.Ordinal) && attempt.Contains("status=sent (250 ", StringComparison.Ordinal),
            $"{attempt}\n--- Postfix's log ---\n{Postfix.Log}");
        // Postfix checked our certificate chain against the CA and the name mx.test in it.
        Assert.Matches($@"postfix/smtp\[\d+\]: Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:{fixture.RelayPort}: TLSv1\.[23] with cipher ", Postfix.Log);
        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(Recipient));
        Assert.Equal(messageId, DeliveredMessage.HeaderValue(delivered.Content, "Message-ID"));
        Assert.Matches(
            $@"^Received: from {Regex(PostfixInstance.HostName)} \([^)]*\[127\.0\.0\.1\]\)\r\n"
            + @"\t\(using TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)\)\r\n"
            + @"\t\(Client CN ""client1\.my\.net"", Issuer ""My CA"" \(verified OK\)\)\r\n"
            + $@"\tby {Regex(MtaServerProcess.HostName)} \(Mta\) with ESMTPS id ",
            delivered.Received);
    }

    [Fact]
    public async Task Postfix_is_refused_relay_once_its_fingerprint_is_no_longer_listed()
    {
        using var root = new TemporaryFolder();
        await using var server = await StartServerAsync(root, relayClientCerts: "");
        var messageId = TestMessages.NewMessageId();

        var attempt = await SendThroughPostfixAsync(messageId);

        Assert.Matches(
            $@"status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 554 5\.7\.1 <{Regex(Recipient)}>: Relay access denied \(in reply to RCPT TO command\)\)",
            attempt);
        Assert.Empty(server.Maildirs.Files(Recipient));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}

/// <summary>
/// One Postfix for <see cref="PostfixClientTests"/>: the seed's client configuration (Tabella 3)
/// with the listed client certificate, relaying everything to our server's port.
/// </summary>
public sealed class PostfixClientFixture : IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new();
    private PostfixInstance? _postfix;

    internal TestCertificates Certificates { get; } = new();

    /// <summary>The port on 127.0.0.1 Postfix relays to (relayhost), where each test starts our server.</summary>
    public int RelayPort { get; } = MtaServerProcess.FreePort();

    internal PostfixInstance Postfix => _postfix ?? throw new InvalidOperationException("Postfix has not been started");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // Tabella 3 alone gives the legacy level "may" (smtp_tls_enforce_peername only counts with
        // smtp_enforce_tls), and Postfix never matches an IP literal such as the relayhost
        // [127.0.0.1] against certificate names. The policy table pins our relayhost to "verify"
        // with the name our server's certificate carries, so the chain and the name are checked.
        var policy = Path.Combine(_folder.Path, "tls_policy");
        await File.WriteAllTextAsync(policy, $"[127.0.0.1]:{RelayPort} verify match={MtaServerProcess.HostName}\n");
        _postfix = await PostfixInstance.StartAsync(Path.Combine(_folder.Path, "postfix"), MtaServerProcess.FreePort(), $"""
            relayhost = [127.0.0.1]:{RelayPort}
            # Every test starts a server of its own on the relay port: no connection outlives one.
            smtp_connection_cache_on_demand = no
            # Tabella 3
            smtp_tls_key_file = {Certificates.ListedKey}
            smtp_tls_cert_file = {Certificates.Listed}
            smtp_tls_CAfile = {Certificates.CaFile}
            smtp_tls_loglevel = 1
            smtp_use_tls = yes
            smtp_tls_enforce_peername = yes
            smtp_tls_note_starttls_offer = yes
            smtp_tls_policy_maps = texthash:{policy}
            """);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_postfix is not null) await _postfix.DisposeAsync();
        _folder.Dispose();
        Certificates.Dispose();
    }
}
