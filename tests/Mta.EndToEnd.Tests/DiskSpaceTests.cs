using System.Diagnostics;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// Running out of disk: MAIL is refused with 452 4.3.1 while free space is below the minimum, a
/// message whose content cannot be stored gets 451 4.3.0, and what was accepted before is kept.
/// </summary>
public sealed class DiskSpaceTests
{
    [Fact]
    public async Task MAIL_gets_452_while_free_space_is_below_the_configured_minimum()
    {
        using var root = new TemporaryFolder();
        await using var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(),
            "spool.min-free-space = 1000000TiB");
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("452 4.3.1 Insufficient system storage", (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).FirstLine);
        Assert.Equal("452 4.3.1 Insufficient system storage", (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}> SIZE=100")).FirstLine);
    }

    [Fact]
    public async Task A_message_that_fills_the_disk_gets_451_and_mail_accepted_before_it_is_delivered()
    {
        using var root = new TemporaryFolder();
        var mountPoint = Path.Combine(root.Path, "small");
        Directory.CreateDirectory(mountPoint);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint);
        try
        {
            await using var server = await MtaServerProcess.StartAsync(mountPoint, MtaServerProcess.FreePort(),
                "spool.min-free-space = 0\nsmtpd.message-size-limit = 50000000");
            await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
            var first = TestMessages.NewMessageId();
            Assert.Equal(250, (await connection.SendMessageAsync(["kept@localhost"], TestMessages.Text("kept@localhost", first))).Code);
            await server.Maildirs.WaitForSingleMessageAsync("kept@localhost");

            var huge = string.Concat(Enumerable.Repeat(new string('z', 998) + "\r\n", 8000));
            var refused = await connection.SendMessageAsync(["huge@localhost"], TestMessages.Text("huge@localhost", TestMessages.NewMessageId(), huge));

            Assert.Equal("451 4.3.0 Error: queue file write error", refused.FirstLine);
            Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
            Assert.Empty(server.Maildirs.Files("huge@localhost"));
            Assert.Single(server.Maildirs.Files("kept@localhost"));
        }
        finally
        {
            await RunAsync("umount", "-l", mountPoint);
        }
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}. The test needs root to mount a small tmpfs.");
    }
}
