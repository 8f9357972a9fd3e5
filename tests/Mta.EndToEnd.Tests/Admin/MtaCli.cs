using System.Diagnostics;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>What one run of the <c>mta</c> command line did.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Everything, for failure messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Output}--- stderr ---\n{Error}";
}

/// <summary>Runs <c>dotnet mta.dll ARGS</c> as an operator runs the command line, in a process of its own.</summary>
internal static class MtaCli
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The folder of the built <c>mta.dll</c> and everything it loads.</summary>
    public static string AppFolder => AppContext.BaseDirectory;

    /// <summary>
    /// Runs the command line with <paramref name="arguments"/>; with <paramref name="userId"/> as that
    /// Unix user (through setpriv), from <paramref name="appFolder"/> when given (a copy that user may read).
    /// </summary>
    public static async Task<CliRun> RunAsync(IReadOnlyList<string> arguments, int? userId = null, string? appFolder = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(userId is null ? dotnet : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (userId is { } uid)
        {
            foreach (var option in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", dotnet }) start.ArgumentList.Add(option);
        }
        start.ArgumentList.Add(Path.Combine(appFolder ?? AppFolder, "mta.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Environment variables override configuration keys; none from the test run may leak in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MTA__", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the mta command line did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mta {string.Join(' ', arguments)} did not finish within {RunTimeout}:\n{await stdout}{await stderr}");
        }
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>mta queue VERB [ARGS] --config FILE</c>.</summary>
    public static Task<CliRun> QueueAsync(string configFile, params string[] verbAndArguments) =>
        RunAsync(["queue", .. verbAndArguments, "--config", configFile]);
}
