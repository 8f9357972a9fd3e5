using System.Text;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>Message size, recipient count and hop count limits.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class LimitTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task A_message_over_the_size_limit_gets_552_after_the_final_dot_and_is_not_delivered()
    {
        const string recipient = "too-big@localhost";
        var body = string.Concat(Enumerable.Repeat(new string('y', 78) + "\r\n", LoopbackServerFixture.MessageSizeLimit / 80 + 100));
        await using (var connection = await RawSmtpConnection.OpenAsync(server.Port))
        {
            var reply = await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, TestMessages.NewMessageId(), body));

            Assert.StartsWith("552 5.3.4 ", reply.FirstLine, StringComparison.Ordinal);
            Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
        }
        await NothingElse.AssertOnlyMarkerArrivesAsync(server.Port, server.Maildirs, recipient);
    }

    [Fact]
    public async Task MAIL_declaring_a_SIZE_over_the_limit_gets_552_and_one_within_it_250()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("552 5.3.4 Message size exceeds fixed limit",
            (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}> SIZE={LoopbackServerFixture.MessageSizeLimit + 1}")).FirstLine);
        Assert.Equal("250 2.1.0 Ok", (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}> SIZE={LoopbackServerFixture.MessageSizeLimit / 2}")).FirstLine);
    }

    [Fact]
    public async Task A_recipient_past_the_recipient_limit_gets_452_and_the_others_still_get_the_message()
    {
        var recipients = Enumerable.Range(1, LoopbackServerFixture.RecipientLimit + 1).Select(i => $"many-{i}@localhost").ToList();
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        Assert.Equal(250, (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);
        foreach (var recipient in recipients.Take(LoopbackServerFixture.RecipientLimit))
            Assert.Equal("250 2.1.5 Ok", (await connection.CommandAsync($"RCPT TO:<{recipient}>")).FirstLine);

        Assert.Equal("452 4.5.3 Error: too many recipients", (await connection.CommandAsync($"RCPT TO:<{recipients[^1]}>")).FirstLine);

        Assert.Equal(354, (await connection.CommandAsync("DATA")).Code);
        await connection.SendAsync(TestMessages.Text(recipients[0], TestMessages.NewMessageId()) + ".\r\n");
        Assert.Equal(250, (await connection.ReadReplyAsync()).Code);
        foreach (var recipient in recipients.Take(LoopbackServerFixture.RecipientLimit))
            await server.Maildirs.WaitForSingleMessageAsync(recipient);
        Assert.Empty(server.Maildirs.Files(recipients[^1]));
    }

    [Theory]
    [InlineData(49, true)]
    [InlineData(50, false)]
    public async Task A_message_is_accepted_only_while_its_Received_headers_and_ours_stay_within_the_hop_limit_of_50(int receivedHeaders, bool accepted)
    {
        var recipient = $"hops-{receivedHeaders}@localhost";
        var content = new StringBuilder();
        for (var hop = receivedHeaders; hop > 0; hop--)
            content.Append($"Received: from hop{hop - 1}.example by hop{hop}.example; Sat, 28 Nov 2026 20:00:00 +0000\r\n");
        content.Append(TestMessages.Text(recipient, TestMessages.NewMessageId()));
        await using (var connection = await RawSmtpConnection.OpenAsync(server.Port))
        {
            var reply = await connection.SendMessageAsync([recipient], content.ToString());

            if (accepted)
                Assert.StartsWith("250 2.0.0 Ok: queued as ", reply.FirstLine, StringComparison.Ordinal);
            else
                Assert.Equal("554 5.4.0 Error: too many hops", reply.FirstLine);
        }

        if (accepted)
        {
            var file = await server.Maildirs.WaitForSingleMessageAsync(recipient);
            Assert.Equal(receivedHeaders + 1, DeliveredMessage.HeaderFields(file).Count(f => f.StartsWith("Received:", StringComparison.Ordinal)));
        }
        else
        {
            await NothingElse.AssertOnlyMarkerArrivesAsync(server.Port, server.Maildirs, recipient);
        }
    }
}
