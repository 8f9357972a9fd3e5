using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// With greet-pause the server waits before its banner; a client that speaks first is a spam
/// engine that does not wait for replies (like Postfix's postscreen_greet_wait).
/// </summary>
public sealed class GreetPauseTests(GreetPauseServerFixture server) : IClassFixture<GreetPauseServerFixture>
{
    [Fact]
    public async Task A_client_that_sends_EHLO_before_the_banner_gets_554_and_is_disconnected()
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);

        await connection.SendAsync($"EHLO {RawSmtpConnection.ClientName}\r\n");

        Assert.Equal("554 5.5.0 Error: SMTP protocol synchronization", (await connection.ReadReplyAsync()).FirstLine);
        Assert.Equal(string.Empty, await connection.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_client_that_waits_for_the_banner_gets_it_and_may_go_on()
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);

        Assert.Equal("220 mx.test ESMTP Mta", (await connection.ReadReplyAsync()).FirstLine);
        Assert.Equal(250, (await connection.CommandAsync($"EHLO {RawSmtpConnection.ClientName}")).Code);
    }
}
