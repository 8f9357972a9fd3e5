using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// Relay control for a client outside mynetworks (127.0.0.1 is not in 192.0.2.0/24 here):
/// reject_unauth_destination lets in mail for local domains, relay-domains and Postmaster only,
/// and local-recipients refuses unknown local users at RCPT.
/// </summary>
public sealed class RelayControlTests(RestrictedRelayServerFixture server) : IClassFixture<RestrictedRelayServerFixture>
{
    [Theory]
    [InlineData("x@remote.example", "554 5.7.1 <x@remote.example>: Relay access denied")]
    [InlineData("x@sub.partner.example", "554 5.7.1 <x@sub.partner.example>: Relay access denied")]
    [InlineData("known@localhost", "250 2.1.5 Ok")]
    [InlineData("x@partner.example", "250 2.1.5 Ok")]
    [InlineData("Postmaster", "250 2.1.5 Ok")]
    [InlineData("postmaster@localhost", "250 2.1.5 Ok")]
    [InlineData("PostMaster@LOCALHOST", "250 2.1.5 Ok")]
    [InlineData("unknown@localhost", "550 5.1.1 <unknown@localhost>: Recipient address rejected: User unknown in local recipient table")]
    public async Task A_stranger_may_send_only_to_local_and_relay_domains(string recipient, string expected)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        Assert.Equal(250, (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);

        Assert.Equal(expected, (await connection.CommandAsync($"RCPT TO:<{recipient}>")).FirstLine);
    }

    [Fact]
    public async Task A_stranger_s_message_to_a_known_local_recipient_is_delivered()
    {
        const string recipient = "known@localhost";
        var messageId = TestMessages.NewMessageId();
        await using (var connection = await RawSmtpConnection.OpenAsync(server.Port))
            Assert.StartsWith("250 2.0.0 ", (await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, messageId))).FirstLine, StringComparison.Ordinal);

        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
        Assert.Equal(messageId, DeliveredMessage.HeaderValue(delivered.Content, "Message-ID"));
    }
}

/// <summary>With the default mynetworks (loopback), a client on 127.0.0.1 may relay.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class LoopbackRelayTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task A_client_in_mynetworks_may_relay_to_a_remote_domain_and_the_message_is_queued()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        var reply = await connection.SendMessageAsync(["x@remote.example"], TestMessages.Text("x@remote.example", TestMessages.NewMessageId()));

        Assert.StartsWith("250 2.0.0 Ok: queued as ", reply.FirstLine, StringComparison.Ordinal);
    }
}
