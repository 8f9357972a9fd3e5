using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// Postfix's <c>smtp-sink</c> on a loopback port as a next hop: it accepts every message and writes
/// each one to a file of the dump folder with the envelope as <c>X-Mail-Args</c> and
/// <c>X-Rcpt-Args</c> headers. Stopped by its process id when disposed.
/// </summary>
public sealed class PostfixSmtpSink : IAsyncDisposable
{
    private const string Command = "/usr/sbin/smtp-sink";

    private readonly Process _process;
    private readonly TemporaryFolder _dumps;

    private PostfixSmtpSink(Process process, TemporaryFolder dumps, int port)
    {
        _process = process;
        _dumps = dumps;
        Port = port;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Every message received so far, as smtp-sink wrote it (envelope headers first).</summary>
    public IReadOnlyList<string> Messages =>
        [.. Directory.EnumerateFiles(_dumps.Path).Order(StringComparer.Ordinal).Select(File.ReadAllText)];

    /// <summary>
    /// Starts smtp-sink and returns once it accepts connections. Without <paramref name="announceDsn"/>
    /// it does not offer DSN (<c>-N</c>).
    /// </summary>
    public static async Task<PostfixSmtpSink> StartAsync(bool announceDsn)
    {
        var port = MtaServerProcess.FreePort();
        var dumps = new TemporaryFolder();
        // smtp-sink writes as the unprivileged user it runs as: the folder is 0777.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dumps.Path, (UnixFileMode)0x1FF);
        }
        var start = new ProcessStartInfo(Command) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("postfix");
        }

        if (!announceDsn)
        {
            start.ArgumentList.Add("-N");
        }

        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(Path.Combine(dumps.Path, "%Y%m%d%H%M%S."));
        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("10");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Command} did not start");
        var sink = new PostfixSmtpSink(process, dumps, port);
        try
        {
            await sink.WaitUntilListeningAsync();
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }

        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _dumps.Dispose();
    }

    private async Task WaitUntilListeningAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"smtp-sink exited with code {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}");
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
    }
}
