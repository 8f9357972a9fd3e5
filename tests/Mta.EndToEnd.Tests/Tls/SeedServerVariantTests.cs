using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>The seed's server with the settings its Tabella 1 leaves commented out or open.</summary>
public sealed class SeedServerVariantTests(TestCertificatesFixture fixture, ITestOutputHelper output) : IClassFixture<TestCertificatesFixture>
{
    private TestCertificates Certs => fixture.Certificates;

    [Fact]
    public async Task A_client_in_mynetworks_relays_over_TLS_without_a_certificate()
    {
        using var root = new TemporaryFolder();
        await using var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(),
            SeedServer.Settings(Certs, mynetworks: "127.0.0.0/8", extra: """transport-maps { "remote.example" = "local:" }"""), output);
        const string recipient = "partner@remote.example";

        var (exit, transcript) = await Swaks.RunAsync("--server", $"127.0.0.1:{server.Port}", "--tls", "--to", recipient, "--from", TestMessages.Sender);

        Assert.True(exit == 0, transcript);
        var received = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient)).Received;
        Assert.Matches(@"\r\n\t\(Client did not present a certificate\)\r\n\tby mx\.test \(Mta\) with ESMTPS id ", received);
    }

    [Fact]
    public async Task Req_ccert_at_security_level_may_is_ignored_with_a_warning_at_start()
    {
        using var root = new TemporaryFolder();
        await using var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(),
            SeedServer.Settings(Certs, extra: "smtpd.tls { security-level = may, req-ccert = yes }"), output);

        var warning = await Poll.UntilAsync(() => server.Output.Split('\n'), lines => lines.Any(IsReqCcertWarning), TimeSpan.FromSeconds(10),
            lines => "no warning about req-ccert in:\n" + string.Join('\n', lines));
        Assert.Contains("warn", warning.First(IsReqCcertWarning), StringComparison.OrdinalIgnoreCase);
        // Were req-ccert in force, a client without a certificate would get 421 after the handshake.
        var (exit, transcript) = await Swaks.RunAsync("--server", $"127.0.0.1:{server.Port}", "--tls", "--to", "user@localhost", "--from", TestMessages.Sender);
        Assert.True(exit == 0, transcript);
        Assert.Contains("(Client did not present a certificate)", DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync("user@localhost")).Received);
    }

    private static bool IsReqCcertWarning(string line) => line.Contains("req-ccert is ignored", StringComparison.Ordinal);
}
