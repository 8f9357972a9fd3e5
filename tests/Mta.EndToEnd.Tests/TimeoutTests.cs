using System.Diagnostics;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// Time limits on a real socket: an idle client is told 421 4.4.2 when the session timeout runs
/// out, and one that trickles its message a byte at a time runs out of time under the per-request
/// deadline however often it sends something.
/// </summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task An_idle_client_gets_421_when_the_timeout_runs_out()
    {
        using var root = new TemporaryFolder();
        await using var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(), "smtpd.timeout = 1s");
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        var closing = await connection.ReadUntilClosedAsync();

        Assert.StartsWith("421 4.4.2 mx.test Error: timeout exceeded", closing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_trickling_content_is_cut_off_at_the_request_deadline()
    {
        using var root = new TemporaryFolder();
        await using var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(),
            "smtpd.timeout = 2s\nsmtpd.per-request-deadline = yes\nsmtpd.min-data-rate = 500");
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        Assert.Equal(250, (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);
        Assert.Equal(250, (await connection.CommandAsync("RCPT TO:<slow@localhost>")).Code);
        Assert.Equal(354, (await connection.CommandAsync("DATA")).Code);

        // One byte every 100 ms earns 2 ms each: far below the 500 bytes/s the deadline asks for.
        var clock = Stopwatch.StartNew();
        var cutOff = false;
        for (var i = 0; i < 100 && !cutOff; i++)
        {
            try
            {
                await connection.SendAsync("x"u8.ToArray());
                await Task.Delay(100);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                cutOff = true;
            }
        }
        var closing = await connection.ReadUntilClosedAsync();

        Assert.StartsWith("421 4.4.2", closing, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(9));
        Assert.Empty(server.Maildirs.Files("slow@localhost"));
    }
}
