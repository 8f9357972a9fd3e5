using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Pki;

/// <summary><c>mta pki fingerprint</c> and <c>mta pki show</c>, compared with what openssl prints for the same file.</summary>
public sealed class PkiInspectionTests(IssuedFilesFixture files) : IClassFixture<IssuedFilesFixture>
{
    public static TheoryData<string, bool> DigestsAndKinds()
    {
        var data = new TheoryData<string, bool>();
        foreach (var digest in new[] { "sha256", "sha1", "md5", "sha512" })
        {
            data.Add(digest, false);
            data.Add(digest, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DigestsAndKinds))]
    public async Task Fingerprint_prints_openssls_fingerprint_and_the_CN_as_a_relay_clientcerts_line(string digest, bool publicKey)
    {
        var expected = publicKey
            ? await CommandLine.OpenSslPublicKeyFingerprintAsync(files.Folder, files.ClientCertificate, digest)
            : await CommandLine.OpenSslCertificateFingerprintAsync(files.Folder, files.ClientCertificate, digest);
        string[] arguments = publicKey
            ? ["pki", "fingerprint", files.ClientCertificate, "--digest", digest, "--pubkey"]
            : ["pki", "fingerprint", files.ClientCertificate, "--digest", digest.ToUpperInvariant()];

        var outcome = await CommandLine.MtaAsync(files.Folder, arguments);

        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal($"{expected} {IssuedFilesFixture.ClientName}\n", outcome.Output);
    }

    [Fact]
    public async Task Fingerprint_uses_sha256_of_the_certificate_by_default()
    {
        var expected = await CommandLine.OpenSslCertificateFingerprintAsync(files.Folder, files.ClientCertificate, "sha256");

        var outcome = await CommandLine.MtaAsync(files.Folder, "pki", "fingerprint", "client.pem");

        Assert.Equal($"{expected} {IssuedFilesFixture.ClientName}\n", outcome.Output);
    }

    [Fact]
    public async Task Fingerprint_of_a_certificate_made_by_openssl_matches_openssl()
    {
        using var folder = new TemporaryFolder();
        await CommandLine.OpenSslOutputAsync(
            folder.Path, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Legacy Relay/O=Example", "-days", "2", "-keyout", "legacy.key", "-out", "legacy.pem");
        var expected = await CommandLine.OpenSslCertificateFingerprintAsync(folder.Path, "legacy.pem", "md5");

        var outcome = await CommandLine.MtaAsync(folder.Path, "pki", "fingerprint", "legacy.pem", "--digest", "md5");

        Assert.Equal($"{expected} Legacy Relay\n", outcome.Output);
    }

    [Fact]
    public async Task Show_prints_what_openssl_sees_in_the_certificate()
    {
        var serial = (await CommandLine.OpenSslOutputAsync(files.Folder, "x509", "-noout", "-serial", "-in", "client.pem")).Trim()["serial=".Length..];
        var dates = await CommandLine.OpenSslOutputAsync(files.Folder, "x509", "-noout", "-dates", "-dateopt", "iso_8601", "-in", "client.pem");
        var certificateFingerprint = await CommandLine.OpenSslCertificateFingerprintAsync(files.Folder, "client.pem", "sha256");
        var publicKeyFingerprint = await CommandLine.OpenSslPublicKeyFingerprintAsync(files.Folder, "client.pem", "sha256");

        var outcome = await CommandLine.MtaAsync(files.Folder, "pki", "show", "client.pem");

        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var shown = Fields(outcome.Output);
        Assert.Equal($"CN={IssuedFilesFixture.ClientName}", shown["subject"]);
        Assert.Equal("CN=E2E CA", shown["issuer"]);
        Assert.Equal(serial, shown["serial"]);
        Assert.Equal(OpenSslDate(dates, "notBefore"), shown["not before"]);
        Assert.Equal(OpenSslDate(dates, "notAfter"), shown["not after"]);
        Assert.Equal("none", shown["subject alt names"]);
        Assert.Equal("ECDSA P-256 (256 bits)", shown["key"]);
        Assert.Equal("no", shown["ca"]);
        Assert.Equal(certificateFingerprint, shown["sha256 fingerprint"]);
        Assert.Equal(publicKeyFingerprint, shown["sha256 public key"]);
    }

    [Fact]
    public async Task Show_lists_every_certificate_of_a_bundle()
    {
        using var folder = new TemporaryFolder();
        var bundle = Path.Combine(folder.Path, "bundle.pem");
        await File.WriteAllTextAsync(bundle, await File.ReadAllTextAsync(files.ClientCertificate) + await File.ReadAllTextAsync(Path.Combine(files.Folder, "ca.pem")));

        var outcome = await CommandLine.MtaAsync(folder.Path, "pki", "show", bundle);

        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("certificate 1 of 2\nsubject:             CN=client1.example\n", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("certificate 2 of 2\nsubject:             CN=E2E CA\n", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("ca:                  yes, path length 0\n", outcome.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fingerprint")]
    [InlineData("show")]
    public async Task A_missing_file_or_one_without_a_PEM_certificate_fails_with_exit_code_2(string verb)
    {
        using var folder = new TemporaryFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "not-pem.pem"), "this is not a certificate\n");
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "key-only.pem"), await File.ReadAllTextAsync(Path.Combine(files.Folder, "client.key")));

        var missing = await CommandLine.MtaAsync(folder.Path, "pki", verb, "missing.pem");
        var notPem = await CommandLine.MtaAsync(folder.Path, "pki", verb, "not-pem.pem");
        var keyOnly = await CommandLine.MtaAsync(folder.Path, "pki", verb, "key-only.pem");

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing.pem: no such file", missing.Errors, StringComparison.Ordinal);
        Assert.Equal(2, notPem.ExitCode);
        Assert.Contains("not-pem.pem: no PEM certificate", notPem.Errors, StringComparison.Ordinal);
        Assert.Equal(2, keyOnly.ExitCode);
        Assert.Contains("key-only.pem: no PEM certificate", keyOnly.Errors, StringComparison.Ordinal);
        Assert.Empty(missing.Output + notPem.Output + keyOnly.Output);
    }

    [Fact]
    public async Task An_unknown_digest_is_a_usage_error()
    {
        var outcome = await CommandLine.MtaAsync(files.Folder, "pki", "fingerprint", "client.pem", "--digest", "sha384");

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("Unknown digest 'sha384'", outcome.Errors, StringComparison.Ordinal);
    }

    /// <summary>The "label: value" lines of show's output.</summary>
    private static Dictionary<string, string> Fields(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Regex.Match(line, "^([a-z0-9 ]+):\\s+(.*)$"))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value, StringComparer.Ordinal);

    /// <summary>A date of <c>openssl x509 -dates -dateopt iso_8601</c> (<c>notAfter=2026-12-08 23:31:45Z</c>) as show writes it.</summary>
    private static string OpenSslDate(string dates, string field)
    {
        var line = dates.Split('\n').Single(l => l.StartsWith(field + "=", StringComparison.Ordinal));
        return line[(field.Length + 1)..].Trim().Replace(' ', 'T');
    }
}
