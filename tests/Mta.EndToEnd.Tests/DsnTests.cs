using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>DSN (RFC 3461) through a real socket: advertised, and NOTIFY=SUCCESS answered with a success notice.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class DsnTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task DSN_is_advertised_and_NOTIFY_SUCCESS_gets_a_success_notice_for_local_delivery()
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);
        await connection.ReadReplyAsync();
        var ehlo = await connection.CommandAsync("EHLO client.example");
        Assert.Contains("DSN", ehlo.Lines);

        Assert.Equal(250, (await connection.CommandAsync("MAIL FROM:<dsn-author@localhost> RET=HDRS ENVID=env-42")).Code);
        Assert.Equal(250, (await connection.CommandAsync("RCPT TO:<dsn-reader@localhost> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;reader@example.org")).Code);
        Assert.Equal(354, (await connection.CommandAsync("DATA")).Code);
        await connection.SendAsync(TestMessages.Text("dsn-reader@localhost", TestMessages.NewMessageId()) + ".\r\n");
        Assert.Equal(250, (await connection.ReadReplyAsync()).Code);

        await server.Maildirs.WaitForSingleMessageAsync("dsn-reader@localhost");
        var file = await server.Maildirs.WaitForSingleMessageAsync("dsn-author@localhost");
        var dsn = MimeKit.MimeMessage.Load(new MemoryStream(file));
        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        var report = Assert.IsType<MimeKit.MultipartReport>(dsn.Body);
        var status = Assert.Single(report.OfType<MimeKit.MessageDeliveryStatus>());
        Assert.Equal("env-42", status.StatusGroups[0]["Original-Envelope-Id"]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("delivered", recipient["Action"]);
        Assert.Equal("2.0.0", recipient["Status"]);
        Assert.Equal("rfc822; reader@example.org", recipient["Original-Recipient"]);
    }
}
