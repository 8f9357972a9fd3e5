using System.Collections.Concurrent;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>Many pipelining clients at once: every message acknowledged, every message delivered once.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class ConcurrentSessionsTests(LoopbackServerFixture server)
{
    private const int Sessions = 100;
    private const int MessagesPerSession = 5;

    [Fact]
    public async Task A_hundred_concurrent_pipelining_sessions_get_every_message_acknowledged_and_delivered_exactly_once()
    {
        const string recipient = "bulk@localhost";
        var sent = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => Task.Run(async () =>
        {
            await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
            for (var i = 0; i < MessagesPerSession; i++)
            {
                var messageId = TestMessages.NewMessageId();
                var reply = await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, messageId));
                Assert.StartsWith("250 2.0.0 Ok: queued as ", reply.FirstLine, StringComparison.Ordinal);
                sent.Add(messageId);
            }
            Assert.Equal(221, (await connection.CommandAsync("QUIT")).Code);
        })));

        var files = await server.Maildirs.WaitForFilesAsync(recipient, Sessions * MessagesPerSession);
        var delivered = new List<string?>();
        foreach (var file in files)
            delivered.Add(DeliveredMessage.HeaderValue(DeliveredMessage.Parse(await File.ReadAllBytesAsync(file)).Content, "Message-ID"));
        Assert.Equal(Sessions * MessagesPerSession, delivered.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
    }
}
