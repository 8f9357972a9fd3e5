using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Pki;
using Xunit;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary><c>mta tls-probe</c> against the receivers of the outbound TLS tests.</summary>
[Collection(OutboundTlsCollection.Name)]
public sealed class TlsProbeTests(OutboundTlsFixture fixture)
{
    private static string LevelLine(string output, string level) =>
        Regex.Match(output, $@"^  {level} +(PASS|FAIL)  .*$", RegexOptions.Multiline).Value;

    [Fact]
    public async Task Probing_a_valid_server_prints_its_chain_and_every_level_passes()
    {
        var fingerprint = OutboundCertificates.Sha256Of(fixture.ValidCertFile);

        var run = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"127.0.0.1:{fixture.Port("valid")}",
            "--servername", "mx.verify.valid.test", "--ca-file", fixture.Certificates.CaFile, "--fingerprint", fingerprint, "--helo", "probe.test");

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = run.Output;
        Assert.Contains($"Connected to mx.verify.valid.test[127.0.0.1]:{fixture.Port("valid")}", output, StringComparison.Ordinal);
        Assert.Contains("> EHLO probe.test", output, StringComparison.Ordinal);
        Assert.Contains("< 220 2.0.0 Ready to start TLS", output, StringComparison.Ordinal);
        Assert.Matches(@"TLS: TLSv1\.[23] with cipher TLS_\w+", output);
        Assert.Contains("  0 subject:            CN=mx.none.valid.test", output, StringComparison.Ordinal);
        Assert.Contains("    issuer:             CN=Outbound CA", output, StringComparison.Ordinal);
        Assert.Contains("mx.verify.valid.test, mx.secure.valid.test", output, StringComparison.Ordinal);
        Assert.Contains($"    sha256 certificate: {fingerprint}", output, StringComparison.Ordinal);
        Assert.Matches(@"    sha256 public key:  ([0-9A-F]{2}:){31}[0-9A-F]{2}", output);
        Assert.Matches(@"    valid:              \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-", output);
        Assert.Contains("Chain: verified against --ca-file", output, StringComparison.Ordinal);
        Assert.Contains("PASS  plaintext: this level does not use the STARTTLS offered", LevelLine(output, "none"), StringComparison.Ordinal);
        Assert.Contains("PASS  TLSv1.", LevelLine(output, "may"), StringComparison.Ordinal);
        Assert.Contains("PASS  TLSv1.", LevelLine(output, "encrypt"), StringComparison.Ordinal);
        Assert.Contains(" verified CN=mx.none.valid.test", LevelLine(output, "fingerprint"), StringComparison.Ordinal);
        Assert.Contains(" verified CN=mx.none.valid.test", LevelLine(output, "verify"), StringComparison.Ordinal);
        Assert.Contains(" verified CN=mx.none.valid.test", LevelLine(output, "secure"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probing_an_expired_certificate_fails_verify_with_the_reason_and_exit_code_1()
    {
        var run = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"[127.0.0.1]:{fixture.Port("expired")}",
            "--servername", "mx.verify.expired.test", "--ca-file", fixture.Certificates.CaFile, "--level", "verify");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains(" (expired)", run.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL  4.7.5 Server certificate not verified (certificate not trusted: certificate has expired)", LevelLine(run.Output, "verify"), StringComparison.Ordinal);
        Assert.Equal("", LevelLine(run.Output, "may"));
    }

    [Fact]
    public async Task Probing_without_a_CA_or_fingerprint_fails_the_levels_that_need_them()
    {
        var run = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"127.0.0.1:{fixture.Port("valid")}", "--servername", "mx.verify.valid.test");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("FAIL  no fingerprint to match", LevelLine(run.Output, "fingerprint"), StringComparison.Ordinal);
        Assert.Contains("FAIL  4.7.5 Server certificate not verified (no CA to verify with", LevelLine(run.Output, "verify"), StringComparison.Ordinal);
        Assert.Contains("PASS  TLSv1.", LevelLine(run.Output, "encrypt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probing_servers_without_TLS_tells_which_levels_deliver_in_plaintext()
    {
        var plain = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"127.0.0.1:{fixture.Port("plain")}");
        var refusing = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"127.0.0.1:{fixture.Port("refuse")}");

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains("STARTTLS is not offered", plain.Output, StringComparison.Ordinal);
        Assert.Contains("PASS  plaintext: STARTTLS not offered", LevelLine(plain.Output, "may"), StringComparison.Ordinal);
        Assert.Contains("FAIL  4.7.4 TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]", LevelLine(plain.Output, "encrypt"), StringComparison.Ordinal);
        Assert.True(refusing.ExitCode == 0, refusing.ToString());
        Assert.Contains($"< {RefusingSink.Refusal}", refusing.Output, StringComparison.Ordinal);
        Assert.Contains($"PASS  plaintext after STARTTLS was refused: {RefusingSink.Refusal}", LevelLine(refusing.Output, "may"), StringComparison.Ordinal);
        Assert.Contains($"FAIL  4.7.0 TLS is required, but host 127.0.0.1[127.0.0.1] refused to start TLS: {RefusingSink.Refusal}", LevelLine(refusing.Output, "secure"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probing_a_port_nothing_listens_on_exits_with_2()
    {
        var run = await CommandLine.MtaAsync(fixture.Certificates.Folder, "tls-probe", $"127.0.0.1:{Support.MtaServerProcess.FreePort()}");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("mta tls-probe: connect to 127.0.0.1:", run.Errors, StringComparison.Ordinal);
    }
}
