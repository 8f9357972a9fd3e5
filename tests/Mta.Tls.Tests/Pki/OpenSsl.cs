using System.Diagnostics;

namespace Mta.Tls.Tests.Pki;

/// <summary>Runs the openssl command-line tool, the reference the certificates and fingerprints are checked against.</summary>
internal static class OpenSsl
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <c>openssl</c> with the arguments; returns the exit code and what it printed.</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] arguments) =>
        RunProcessAsync("openssl", arguments);

    /// <summary>Runs openssl and fails the test with its error output when it does not exit with 0.</summary>
    public static async Task<string> OutputOfAsync(params string[] arguments)
    {
        var (exitCode, output, errors) = await RunAsync(arguments);
        if (exitCode != 0) throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({exitCode}): {errors}");
        return output;
    }

    /// <summary>The certificate fingerprint as <c>openssl x509 -noout -fingerprint -DIGEST</c> prints it after the '='.</summary>
    public static async Task<string> CertificateFingerprintAsync(string pemFile, string digest)
    {
        var output = await OutputOfAsync("x509", "-noout", "-fingerprint", "-" + digest, "-in", pemFile);
        return output.Trim()[(output.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>
    /// The public-key fingerprint: <c>openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -DIGEST -c</c>,
    /// uppercased.
    /// </summary>
    public static async Task<string> PublicKeyFingerprintAsync(string pemFile, string digest)
    {
        var (exitCode, output, errors) = await RunProcessAsync(
            "bash",
            ["-c", "set -o pipefail; openssl x509 -in \"$1\" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -\"$2\" -c", "pubkey", pemFile, digest]);
        if (exitCode != 0) throw new InvalidOperationException($"openssl public-key digest failed ({exitCode}): {errors}");
        return output.Trim()[(output.IndexOf("= ", StringComparison.Ordinal) + 2)..].ToUpperInvariant();
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunProcessAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {RunTimeout}");
        }
        return (process.ExitCode, await output, await errors);
    }
}
