using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// The MTA running as its own process (<c>dotnet mta.dll serve --config FILE</c>), as an operator
/// runs it. The configuration is written next to the data folder; the process output is kept so
/// that a failing test can show what the server said.
/// </summary>
internal sealed class MtaServerProcess : IAsyncDisposable
{
    /// <summary>Host name the test servers use in banners, Received headers and Maildir file names.</summary>
    public const string HostName = "mx.test";

    private const int ListenProbeAttempts = 600;
    private static readonly TimeSpan ListenProbeInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ITestOutputHelper? _testOutput;

    private MtaServerProcess(Process process, string rootFolder, int port, ITestOutputHelper? testOutput)
    {
        _process = process;
        _testOutput = testOutput;
        RootFolder = rootFolder;
        Port = port;
    }

    /// <summary>The folder holding the configuration file and the data folder.</summary>
    public string RootFolder { get; }

    /// <summary>The configuration file the server was started with.</summary>
    public string ConfigFile => Path.Combine(RootFolder, "mta.conf");

    /// <summary>mta.data-dir of this server.</summary>
    public string DataDir => DataDirOf(RootFolder);

    /// <summary>The SMTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The operating system's id of the server process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The Maildirs this server delivers into.</summary>
    public Maildirs Maildirs => new(DataDir);

    /// <summary>Everything the server wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>A port on 127.0.0.1 that nothing listens on now: the one the system picks for port 0.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try
        {
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        finally
        {
            probe.Stop();
        }
    }

    /// <summary>
    /// Writes the configuration (the test host name, the data folder below <paramref name="rootFolder"/>,
    /// the port, an admin endpoint on a port the system picks, then <paramref name="settings"/>: HOCON
    /// lines inside the <c>mta</c> block, which may override those), starts the
    /// server and returns once the port accepts connections. With <paramref name="testOutput"/> the
    /// server's output goes to the test's output when the server is disposed.
    /// </summary>
    public static async Task<MtaServerProcess> StartAsync(string rootFolder, int port, string settings = "", ITestOutputHelper? testOutput = null)
    {
        Directory.CreateDirectory(rootFolder);
        var configFile = Path.Combine(rootFolder, "mta.conf");
        await File.WriteAllTextAsync(configFile, $$"""
            mta {
              myhostname = "{{HostName}}"
              data-dir = "{{DataDirOf(rootFolder)}}"
              smtpd.listen = ["127.0.0.1:{{port}}"]
              # Servers run side by side: each admin endpoint on a port of its own unless the settings name one.
              admin.listen = "127.0.0.1:0"
            {{settings}}
            }
            """);

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = rootFolder,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mta.dll"));
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configFile);
        // Environment variables override configuration keys; none from the test run may leak in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MTA__", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);

        var process = new Process { StartInfo = start };
        var server = new MtaServerProcess(process, rootFolder, port, testOutput);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilListeningAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>SIGKILL to the server and everything it started; returns once it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops the server: it should shut down gracefully.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {ProcessId} failed with exit code {kill.ExitCode}");
    }

    /// <summary>Waits (bounded) for the process to end; fails with the server's output when it does not.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server (pid {ProcessId}) did not exit within {ExitTimeout}; output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Kills the server if it still runs. The folders stay: their owner removes them.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await KillAsync();
        }
        finally
        {
            _testOutput?.WriteLine($"--- output of the server (pid {_process.Id}) ---\n{Output}");
            _process.Dispose();
        }
    }

    private static string DataDirOf(string rootFolder) => Path.Combine(rootFolder, "data");

    /// <summary>The dotnet host that runs the tests (the CLI exports its path), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private void Record(string? line)
    {
        if (line is not null) _output.Enqueue(line);
    }

    private async Task WaitUntilListeningAsync()
    {
        for (var attempt = 0; attempt < ListenProbeAttempts; attempt++)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before listening on port {Port}; output:\n{Output}");
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(ListenProbeInterval);
            }
        }
        throw new TimeoutException($"the server did not listen on port {Port} after {ListenProbeAttempts} attempts; output:\n{Output}");
    }
}
