using System.Diagnostics;
using Mta.EndToEnd.Tests.Support;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// <c>openssl s_client</c> driven as an SMTP client: each command is written to its input only
/// after the reply to the previous one has come out, so no timing is guessed. With <c>-quiet</c>
/// its output carries nothing but what the server sent; openssl's own messages go to its errors.
/// </summary>
internal sealed class OpenSslSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Task<string> _errors;

    private OpenSslSmtpClient(Process process)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> with <c>openssl s_client -quiet -crlf</c> and
    /// <paramref name="options"/> (for example <c>-starttls smtp</c>, or none for a port that speaks
    /// TLS from the first byte).
    /// </summary>
    public static OpenSslSmtpClient Start(int port, params string[] options)
    {
        var start = new ProcessStartInfo("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-quiet", "-crlf", .. options])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return new OpenSslSmtpClient(Process.Start(start) ?? throw new InvalidOperationException("openssl did not start"));
    }

    /// <summary>Reads one whole reply from what the server sent.</summary>
    /// <exception cref="IOException">openssl ended before a whole reply arrived (its errors are in the message).</exception>
    /// <exception cref="TimeoutException">No whole reply within the read timeout.</exception>
    public async Task<SmtpResponse> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            using var timeout = new CancellationTokenSource(ReadTimeout);
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"no whole reply within {ReadTimeout}; received so far: \"{string.Join('\n', lines)}\"");
            }
            if (line is null)
                throw new IOException($"openssl ended before a whole reply; received: \"{string.Join('\n', lines)}\"; openssl said:\n{await ErrorsAsync()}");
            if (line.Length < 4 || !int.TryParse(line.AsSpan(0, 3), out var code) || (line[3] != ' ' && line[3] != '-'))
                throw new InvalidDataException($"not an SMTP reply line: \"{line}\"");
            lines.Add(line[4..]);
            if (line[3] == ' ') return new SmtpResponse(code, lines);
        }
    }

    /// <summary>Sends one line (openssl turns its line end into CRLF) without waiting for a reply.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Sends one command line and reads its reply.</summary>
    public async Task<SmtpResponse> CommandAsync(string line)
    {
        await SendLineAsync(line);
        return await ReadReplyAsync();
    }

    /// <summary>Waits (bounded) for openssl to end, as it does when the server closes the connection; returns what openssl said.</summary>
    public async Task<string> ErrorsAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return await _errors;
    }

    /// <summary>Ends openssl if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
