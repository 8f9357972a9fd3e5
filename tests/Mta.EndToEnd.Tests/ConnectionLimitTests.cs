using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>smtpd client-connection-limit for a client outside mynetworks (Postfix's smtpd_client_connection_count_limit).</summary>
public sealed class ConnectionLimitTests(ConnectionLimitServerFixture server) : IClassFixture<ConnectionLimitServerFixture>
{
    private static readonly TimeSpan FreedSlotTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_connection_beyond_the_client_limit_gets_421_and_a_freed_slot_can_be_used_again()
    {
        var held = new List<RawSmtpConnection>();
        try
        {
            for (var i = 0; i < ConnectionLimitServerFixture.ClientConnectionLimit; i++)
                held.Add(await GreetedConnectionAsync());

            await using (var refused = await RawSmtpConnection.ConnectAsync(server.Port))
            {
                Assert.Equal("421 4.7.0 mx.test Error: too many connections from 127.0.0.1", (await refused.ReadReplyAsync()).FirstLine);
                Assert.Equal(string.Empty, await refused.ReadUntilClosedAsync());
            }

            Assert.Equal("221 2.0.0 Bye", (await held[0].CommandAsync("QUIT")).FirstLine);
            Assert.Equal(string.Empty, await held[0].ReadUntilClosedAsync());
            await using var again = await GreetedConnectionAsync();
            Assert.Equal(250, (await again.CommandAsync($"EHLO {RawSmtpConnection.ClientName}")).Code);
        }
        finally
        {
            foreach (var connection in held) await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// A connection that got the banner. The server counts a closed connection down only after its
    /// session has ended, which may be a moment after the client saw the close (a probe or an
    /// earlier test); so a 421 here is retried, within a bound, before the limit itself is tested.
    /// </summary>
    private async Task<RawSmtpConnection> GreetedConnectionAsync()
    {
        var deadline = DateTime.UtcNow + FreedSlotTimeout;
        while (true)
        {
            var connection = await RawSmtpConnection.ConnectAsync(server.Port);
            var banner = await connection.ReadReplyAsync();
            if (banner.Code == 220) return connection;
            await connection.DisposeAsync();
            if (banner.Code != 421 || DateTime.UtcNow >= deadline)
                throw new Xunit.Sdk.XunitException($"no banner within {FreedSlotTimeout}; last reply: {banner}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
