using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// SMTP smuggling: only CRLF "." CRLF ends DATA. A message whose content holds another line end
/// around a dot, followed by commands, must stay one message with those commands as its text;
/// otherwise a sender could inject a second message the server would take as genuine.
/// </summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class SmugglingTests(LoopbackServerFixture server)
{
    public static TheoryData<string, string> FakeEndsOfData => new()
    {
        { "lf-dot-lf", "\n.\n" },
        { "crlf-dot-lf", "\r\n.\n" },
        { "lf-dot-crlf", "\n.\r\n" },
        { "cr-dot-crlf", "\r.\r\n" },
        { "crlf-dot-cr", "\r\n.\r" },
    };

    [Theory]
    [MemberData(nameof(FakeEndsOfData))]
    public async Task A_fake_end_of_data_followed_by_commands_stays_part_of_one_message(string name, string fakeEnd)
    {
        var recipient = $"smuggle-{name}@localhost";
        var victim = $"victim-{name}@localhost";
        var messageId = TestMessages.NewMessageId();
        var smuggled = $"MAIL FROM:<forged@client.example>\r\nRCPT TO:<{victim}>\r\nDATA\r\nSubject: smuggled\r\n\r\nforged text\r\n";
        var content = TestMessages.Text(recipient, messageId, "text before the fake end" + fakeEnd + smuggled);
        await using (var connection = await RawSmtpConnection.OpenAsync(server.Port))
        {
            Assert.Equal(250, (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);
            Assert.Equal(250, (await connection.CommandAsync($"RCPT TO:<{recipient}>")).Code);
            Assert.Equal(354, (await connection.CommandAsync("DATA")).Code);

            // Written raw, not dot-stuffed: the fake end must reach the server as it is.
            await connection.SendAsync(content + ".\r\n");

            Assert.StartsWith("250 2.0.0 Ok: queued as ", (await connection.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
            // Had the server split the message, replies to the smuggled commands would come before this one.
            Assert.Equal("221 2.0.0 Bye", (await connection.CommandAsync("QUIT")).FirstLine);
        }

        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
        var text = System.Text.Encoding.UTF8.GetString(delivered.Content);
        Assert.Contains("text before the fake end", text, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<forged@client.example>", text, StringComparison.Ordinal);
        Assert.Contains($"RCPT TO:<{victim}>", text, StringComparison.Ordinal);
        Assert.Contains("forged text", text, StringComparison.Ordinal);
        Assert.Empty(server.Maildirs.Files(victim));
    }
}
