using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// NOTIFY=SUCCESS for mail relayed onward, with Postfix's smtp-sink as the next hop: a next hop that
/// offers DSN gets the request passed on and reports success itself; to one that does not, the
/// request cannot travel, so our MTA sends the sender a "relayed" notice (RFC 3461 section 6.2.2).
/// </summary>
public sealed class RelayedDsnTests(ITestOutputHelper output) : IDisposable
{
    private const string Author = "author@localhost";
    private const string Recipient = "reader@remote.example";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _root = new();

    [Fact]
    public async Task A_next_hop_without_DSN_gets_the_mail_and_the_sender_a_relayed_notice()
    {
        await using var sink = await PostfixSmtpSink.StartAsync(announceDsn: false);
        await using var sender = await StartSenderAsync(sink.Port);
        var messageId = TestMessages.NewMessageId();

        await SubmitAsync(sender, messageId);

        var relayed = await Poll.UntilAsync(() => sink.Messages, messages => messages.Any(m => m.Contains(messageId, StringComparison.Ordinal)), Timeout,
            _ => $"smtp-sink did not get the message:\n{sender.Output}");
        var copy = relayed.Single(m => m.Contains(messageId, StringComparison.Ordinal));
        // Without DSN on the next hop the parameters cannot be passed on.
        Assert.Matches($@"(?m)^X-Rcpt-Args: <{Regex.Escape(Recipient)}>\s*$", copy);

        var file = await sender.Maildirs.WaitForSingleMessageAsync(Author);
        var dsn = MimeKit.MimeMessage.Load(new MemoryStream(file));
        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        var report = Assert.IsType<MimeKit.MultipartReport>(dsn.Body);
        var status = Assert.Single(report.OfType<MimeKit.MessageDeliveryStatus>());
        Assert.Equal("env-7", status.StatusGroups[0]["Original-Envelope-Id"]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("relayed", recipient["Action"]);
        Assert.Equal("2.0.0", recipient["Status"]);
        Assert.Equal($"rfc822; {Recipient}", recipient["Final-Recipient"]);
        Assert.Equal("dns; 127.0.0.1", recipient["Remote-MTA"]);
        // The next hop's acceptance, as smtp-sink worded it.
        Assert.Equal("smtp; 250 2.0.0 Ok", recipient["Diagnostic-Code"]);
        Assert.Contains(messageId, report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_next_hop_with_DSN_gets_the_request_passed_on_and_the_sender_no_notice_from_us()
    {
        await using var sink = await PostfixSmtpSink.StartAsync(announceDsn: true);
        await using var sender = await StartSenderAsync(sink.Port);
        var messageId = TestMessages.NewMessageId();

        var queueId = await SubmitAsync(sender, messageId);

        var relayed = await Poll.UntilAsync(() => sink.Messages, messages => messages.Any(m => m.Contains(messageId, StringComparison.Ordinal)), Timeout,
            _ => $"smtp-sink did not get the message:\n{sender.Output}");
        var copy = relayed.Single(m => m.Contains(messageId, StringComparison.Ordinal));
        Assert.True(Regex.IsMatch(copy, $@"(?m)^X-Rcpt-Args: <{Regex.Escape(Recipient)}> ORCPT=rfc822;{Regex.Escape(Recipient)} NOTIFY=SUCCESS\s*$"), copy);
        Assert.True(Regex.IsMatch(copy, @"(?m)^X-Mail-Args: <author@localhost> ENVID=env-7\s*$"), copy);
        // A message owed a notice leaves the queue only once the notice is queued: when it has left
        // without one, none is coming.
        await Poll.UntilAsync(() => sender.Output, log => log.Contains($"{queueId}: removed", StringComparison.Ordinal), Timeout,
            log => $"the message did not leave the queue:\n{log}");
        Assert.DoesNotContain($"{queueId}: sender", sender.Output, StringComparison.Ordinal);
        Assert.Empty(sender.Maildirs.Files(Author));
    }

    public void Dispose() => _root.Dispose();

    private Task<MtaServerProcess> StartSenderAsync(int sinkPort) =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            transport-maps { "remote.example" = "smtp:[127.0.0.1]:{{sinkPort}}" }
            """, output);

    /// <summary>Submits with NOTIFY=SUCCESS, ORCPT and ENVID; returns the queue id from the 250 reply.</summary>
    private static async Task<string> SubmitAsync(MtaServerProcess sender, string messageId)
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(sender.Port);
        await connection.ReadReplyAsync();
        RawSmtpConnection.Expect(await connection.CommandAsync("EHLO client.example"), 250);
        RawSmtpConnection.Expect(await connection.CommandAsync($"MAIL FROM:<{Author}> ENVID=env-7"), 250);
        RawSmtpConnection.Expect(await connection.CommandAsync($"RCPT TO:<{Recipient}> NOTIFY=SUCCESS ORCPT=rfc822;{Recipient}"), 250);
        RawSmtpConnection.Expect(await connection.CommandAsync("DATA"), 354);
        await connection.SendAsync(TestMessages.DotStuff(TestMessages.Text(Recipient, messageId)) + ".\r\n");
        var reply = RawSmtpConnection.Expect(await connection.ReadReplyAsync(), 250);
        var queueId = Regex.Match(reply.FirstLine, @"queued as (?<id>\S+)");
        Assert.True(queueId.Success, $"no queue id in {reply.FirstLine}");
        return queueId.Groups["id"].Value;
    }
}
