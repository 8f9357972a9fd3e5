using System.Diagnostics;

namespace Mta.EndToEnd.Tests.Pki;

/// <summary>Runs a command-line tool as its own process: the <c>mta</c> executable as an operator runs it, or openssl.</summary>
internal static class CommandLine
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    /// <summary>What a finished process returned and printed.</summary>
    public sealed record Outcome(int ExitCode, string Output, string Errors)
    {
        /// <summary>Output and errors, for assertion messages.</summary>
        public override string ToString() => $"exit {ExitCode}\n{Output}{Errors}";
    }

    /// <summary>Runs <c>dotnet mta.dll ARGUMENTS</c> in <paramref name="workingDirectory"/>.</summary>
    public static Task<Outcome> MtaAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(DotnetHost(), [Path.Combine(AppContext.BaseDirectory, "mta.dll"), .. arguments], workingDirectory);

    /// <summary>Runs <c>openssl ARGUMENTS</c> in <paramref name="workingDirectory"/>.</summary>
    public static Task<Outcome> OpenSslAsync(string workingDirectory, params string[] arguments) =>
        RunAsync("openssl", arguments, workingDirectory);

    /// <summary>Runs openssl and returns its output; fails the test with openssl's errors when it does not exit with 0.</summary>
    public static async Task<string> OpenSslOutputAsync(string workingDirectory, params string[] arguments)
    {
        var outcome = await OpenSslAsync(workingDirectory, arguments);
        if (outcome.ExitCode != 0) throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {outcome}");
        return outcome.Output;
    }

    /// <summary>
    /// The public-key fingerprint as the openssl pipeline computes it:
    /// <c>openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -DIGEST -c</c>, uppercased.
    /// </summary>
    public static async Task<string> OpenSslPublicKeyFingerprintAsync(string workingDirectory, string certificateFile, string digest)
    {
        var outcome = await RunAsync(
            "bash",
            ["-c", "set -o pipefail; openssl x509 -in \"$1\" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -\"$2\" -c", "pubkey", certificateFile, digest],
            workingDirectory);
        if (outcome.ExitCode != 0) throw new InvalidOperationException($"openssl public-key digest failed: {outcome}");
        return outcome.Output.Trim()[(outcome.Output.IndexOf("= ", StringComparison.Ordinal) + 2)..].ToUpperInvariant();
    }

    /// <summary>The certificate fingerprint as <c>openssl x509 -noout -fingerprint -DIGEST</c> prints it after the '='.</summary>
    public static async Task<string> OpenSslCertificateFingerprintAsync(string workingDirectory, string certificateFile, string digest)
    {
        var output = (await OpenSslOutputAsync(workingDirectory, "x509", "-noout", "-fingerprint", "-" + digest, "-in", certificateFile)).Trim();
        return output[(output.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>The dotnet host that runs the tests (the CLI exports its path), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static async Task<Outcome> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
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
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {RunTimeout}");
        }
        return new Outcome(process.ExitCode, await output, await errors);
    }
}
