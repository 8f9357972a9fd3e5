using System.Net.Sockets;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// SIGTERM stops the server gracefully: no new connections, idle sessions are told 421, and a
/// message being received may finish and is acknowledged (and so must survive).
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IDisposable
{
    private const string Settings = "shutdown-timeout = 10s";

    private readonly TemporaryFolder _folder = new();

    [Fact]
    public async Task At_SIGTERM_an_idle_session_gets_421_new_connections_are_refused_and_the_server_exits()
    {
        var port = MtaServerProcess.FreePort();
        await using var server = await MtaServerProcess.StartAsync(_folder.Path, port, Settings, output);
        await using var idle = await RawSmtpConnection.OpenAsync(port);

        await server.TerminateAsync();

        Assert.Equal("421 4.3.2 mx.test Service not available, closing transmission channel", (await idle.ReadReplyAsync()).FirstLine);
        Assert.Equal(string.Empty, await idle.ReadUntilClosedAsync());
        // The listening socket is closed before sessions are told to finish.
        var refused = await Assert.ThrowsAsync<SocketException>(() => RawSmtpConnection.ConnectAsync(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task A_client_that_vanished_mid_reply_does_not_hold_up_shutdown()
    {
        var port = MtaServerProcess.FreePort();
        await using var server = await MtaServerProcess.StartAsync(_folder.Path, port, "shutdown-timeout = 60s", output);
        // A line and a hang-up at once, as a port probe does: the server's reply meets a closed socket.
        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync("127.0.0.1", port);
            probe.Client.LingerState = new LingerOption(true, 0);
            await probe.GetStream().WriteAsync("\n"u8.ToArray());
        }
        // A full round trip on a later connection: the probe's session has had its turn by then.
        await using (var later = await RawSmtpConnection.OpenAsync(port))
            Assert.Equal(250, (await later.CommandAsync("NOOP")).Code);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.TerminateAsync();
        Assert.Equal(0, await server.WaitForExitAsync());
        // Well inside the 60 s a session in the middle of a message would be given.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"shutdown took {clock.Elapsed}");
        Assert.DoesNotContain("sessions still open", server.Output);
    }

    [Fact]
    public async Task A_message_in_the_middle_of_DATA_at_SIGTERM_is_finished_acknowledged_and_kept()
    {
        const string recipient = "shutdown@localhost";
        var port = MtaServerProcess.FreePort();
        var messageId = TestMessages.NewMessageId();
        var content = TestMessages.Text(recipient, messageId, "first half of the body\r\nsecond half of the body\r\n");
        var split = content.IndexOf("second half", StringComparison.Ordinal);
        await using (var server = await MtaServerProcess.StartAsync(_folder.Path, port, Settings, output))
        {
            await using var sending = await RawSmtpConnection.OpenAsync(port);
            Assert.Equal(250, (await sending.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);
            Assert.Equal(250, (await sending.CommandAsync($"RCPT TO:<{recipient}>")).Code);
            Assert.Equal(354, (await sending.CommandAsync("DATA")).Code);
            await sending.SendAsync(content[..split]);
            await using var idle = await RawSmtpConnection.OpenAsync(port);

            await server.TerminateAsync();

            // The idle session's 421 shows that the shutdown has begun; only then does the message end.
            Assert.StartsWith("421 4.3.2 ", (await idle.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
            await sending.SendAsync(content[split..] + ".\r\n");
            Assert.StartsWith("250 2.0.0 Ok: queued as ", (await sending.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
            Assert.StartsWith("421 4.3.2 ", (await sending.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
            Assert.Equal(string.Empty, await sending.ReadUntilClosedAsync());
            Assert.Equal(0, await server.WaitForExitAsync());
        }

        // Acknowledged means kept: after a restart the message is (or already was) delivered.
        await using var restarted = await MtaServerProcess.StartAsync(_folder.Path, port, testOutput: output);
        var delivered = DeliveredMessage.Parse(await restarted.Maildirs.WaitForSingleMessageAsync(recipient));
        Assert.Equal(messageId, DeliveredMessage.HeaderValue(delivered.Content, "Message-ID"));
    }

    public void Dispose() => _folder.Dispose();
}
