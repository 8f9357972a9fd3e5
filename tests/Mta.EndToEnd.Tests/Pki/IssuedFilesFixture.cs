using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Pki;

/// <summary>
/// A CA and a client certificate made once with <c>mta pki ca</c> and <c>mta pki issue --client</c>, for the
/// tests that read certificates (fingerprint, show).
/// </summary>
public sealed class IssuedFilesFixture : IAsyncLifetime
{
    /// <summary>The CN of the client certificate.</summary>
    public const string ClientName = "client1.example";

    private readonly TemporaryFolder _folder = new();

    /// <summary>The folder holding ca.pem, ca.key, client.pem and client.key.</summary>
    public string Folder => _folder.Path;

    /// <summary>The client certificate file.</summary>
    public string ClientCertificate => Path.Combine(Folder, "client.pem");

    /// <summary>Makes the files; fails with the command's output when a command fails.</summary>
    public async Task InitializeAsync()
    {
        await RunAsync("pki", "ca", "--name", "E2E CA", "--out-cert", "ca.pem", "--out-key", "ca.key");
        await RunAsync("pki", "issue", "--ca", "ca.pem", "--ca-key", "ca.key", "--name", ClientName, "--client", "--out-cert", "client.pem", "--out-key", "client.key");
    }

    /// <summary>Removes the files.</summary>
    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private async Task RunAsync(params string[] arguments)
    {
        var outcome = await CommandLine.MtaAsync(Folder, arguments);
        if (outcome.ExitCode != 0) throw new InvalidOperationException($"mta {string.Join(' ', arguments)} failed: {outcome}");
    }
}
