using System.Diagnostics;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>Runs the swaks SMTP test tool, a real client that is not ours.</summary>
internal static class Swaks
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs swaks with <paramref name="arguments"/>; returns its exit code and its transcript (stdout and stderr).</summary>
    public static async Task<(int ExitCode, string Transcript)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("swaks", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("swaks did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"swaks did not finish within {RunTimeout}:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
