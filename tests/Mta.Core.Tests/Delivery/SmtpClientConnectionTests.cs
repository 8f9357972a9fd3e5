using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Delivery;

/// <summary>The client against <see cref="TestSink"/> over real sockets, with bodies streamed from a real spool.</summary>
public sealed class SmtpClientConnectionTests : IDisposable
{
    private const string PeerName = "sink.test[127.0.0.1]";
    private const string Sender = "sender@example.org";
    private const string SimpleMessage = "From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: hello\r\n\r\nHello.\r\n";

    private readonly TemporaryDirectory _directory = new();
    private readonly SpoolStore _spool;

    public SmtpClientConnectionTests()
    {
        _spool = new SpoolStore(_directory.Path, segmentSize: 1 << 20, NullLogger.Instance);
    }

    public void Dispose()
    {
        _spool.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Pipelined_MAIL_RCPT_RCPT_DATA_arrive_in_one_read_when_the_server_offers_PIPELINING()
    {
        await using var sink = new TestSink("PIPELINING");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1], Body(envelope), CancellationToken.None);

        Assert.All(result.Recipients, outcome => Assert.Equal(250, outcome.Reply.Code));
        Assert.Contains(sink.Reads, read => read.SequenceEqual(["MAIL FROM:<sender@example.org>", "RCPT TO:<a@example.net>", "RCPT TO:<b@example.net>", "DATA"]));
    }

    [Fact]
    public async Task Commands_go_one_at_a_time_when_the_server_does_not_offer_PIPELINING()
    {
        await using var sink = new TestSink("8BITMIME");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1], Body(envelope), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.All(result.Recipients, outcome => Assert.Equal(250, outcome.Reply.Code));
        Assert.Equal(
            ["EHLO client.test", "MAIL FROM:<sender@example.org>", "RCPT TO:<a@example.net>", "RCPT TO:<b@example.net>", "DATA", ".", "QUIT"],
            sink.Commands);
        Assert.All(sink.Reads, read => Assert.Single(read));
    }

    [Fact]
    public async Task A_stored_body_arrives_canonical_CRLF_dot_stuffed_and_folded()
    {
        string longLine = new('x', 2000);
        string stored = "Subject: canonical\n\nfirst line\n.\n..two dots\n" + longLine + "\nlast line without end";
        string folded = new string('x', 998) + "\r\n" + new string('x', 998) + "\r\n" + "xxxx\r\n";
        string canonical = "Subject: canonical\r\n\r\nfirst line\r\n.\r\n..two dots\r\n" + folded + "last line without end\r\n";
        string onTheWire = "Subject: canonical\r\n\r\nfirst line\r\n..\r\n...two dots\r\n" + folded + "last line without end\r\n.\r\n";
        await using var sink = new TestSink("PIPELINING", "8BITMIME");
        var envelope = await EnvelopeAsync(stored);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
        var message = Assert.Single(sink.Messages);
        Assert.Equal(onTheWire, message.RawText);
        Assert.Equal(canonical, message.ContentText);
    }

    [Fact]
    public async Task A_large_body_streams_from_the_spool_across_segments_intact()
    {
        var text = new StringBuilder();
        int dotLines = 0;
        for (int i = 0; text.Length < 3_000_000; i++)
        {
            if (i % 97 == 0)
            {
                text.Append(".line ").Append(i).Append(" starts with a dot\r\n");
                dotLines++;
            }
            else
            {
                text.Append("line ").Append(i).Append(' ').Append('a', i % 300).Append("\r\n");
            }
        }

        byte[] stored = Encoding.ASCII.GetBytes(text.ToString());
        await using var sink = new TestSink("PIPELINING", "8BITMIME", "SIZE 10000000");
        var envelope = await EnvelopeAsync(stored);
        Assert.True(envelope.Body.Segments().Count() > 1);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
        var message = Assert.Single(sink.Messages);
        Assert.Equal(stored, message.Content);
        Assert.Equal(stored.Length + dotLines + ".\r\n".Length, message.Raw.Length);
        Assert.EndsWith("\r\n.\r\n", message.RawText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", BodyType.SevenBit, "MAIL FROM:<sender@example.org>", "RCPT TO:<rcpt@example.net>")]
    [InlineData("SIZE 10000000", BodyType.SevenBit, "MAIL FROM:<sender@example.org> SIZE={size}", "RCPT TO:<rcpt@example.net>")]
    [InlineData("8BITMIME", BodyType.EightBitMime, "MAIL FROM:<sender@example.org> BODY=8BITMIME", "RCPT TO:<rcpt@example.net>")]
    [InlineData("8BITMIME", BodyType.SevenBit, "MAIL FROM:<sender@example.org>", "RCPT TO:<rcpt@example.net>")]
    [InlineData("DSN", BodyType.SevenBit, "MAIL FROM:<sender@example.org> ENVID=Q1+2Bx+3Dy RET=HDRS", "RCPT TO:<rcpt@example.net> ORCPT=rfc822;Original+2BRcpt@example.net NOTIFY=SUCCESS,FAILURE")]
    [InlineData("SMTPUTF8", BodyType.SevenBit, "MAIL FROM:<sender@example.org> SMTPUTF8", "RCPT TO:<rcpt@example.net>")]
    [InlineData(
        "PIPELINING|SIZE 10000000|8BITMIME|DSN|SMTPUTF8|CHUNKING|STARTTLS|ENHANCEDSTATUSCODES",
        BodyType.EightBitMime,
        "MAIL FROM:<sender@example.org> SIZE={size} BODY=8BITMIME ENVID=Q1+2Bx+3Dy RET=HDRS SMTPUTF8",
        "RCPT TO:<rcpt@example.net> ORCPT=rfc822;Original+2BRcpt@example.net NOTIFY=SUCCESS,FAILURE")]
    public async Task MAIL_and_RCPT_parameters_are_present_exactly_when_offered(string extensions, BodyType bodyType, string expectedMail, string expectedRcpt)
    {
        await using var sink = new TestSink(extensions.Split('|', StringSplitOptions.RemoveEmptyEntries));
        var recipient = new EnvelopeRecipient("rcpt@example.net", DsnNotify.Success | DsnNotify.Failure, "rfc822;Original+Rcpt@example.net");
        var envelope = (await EnvelopeAsync(SimpleMessage, bodyType: bodyType, smtpUtf8: true)) with
        {
            Recipients = [recipient],
            Ret = DsnReturn.Headers,
            EnvId = "Q1+x=y",
        };
        await using var client = await OpenAsync(sink);

        await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Contains(expectedMail.Replace("{size}", envelope.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), sink.Commands);
        Assert.Contains(expectedRcpt, sink.Commands);
    }

    [Fact]
    public async Task SIZE_is_left_out_when_the_message_is_converted_to_seven_bit()
    {
        await using var sink = new TestSink("SIZE 10000000");
        var envelope = await EnvelopeAsync(EightBitMessage, bodyType: BodyType.EightBitMime);
        await using var client = await OpenAsync(sink);

        await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Contains("MAIL FROM:<sender@example.org>", sink.Commands);
    }

    [Theory]
    [InlineData(BodyType.EightBitMime)]
    [InlineData(BodyType.SevenBit)]
    public async Task An_eight_bit_body_to_a_server_without_8BITMIME_arrives_quoted_printable_and_still_the_same_message(BodyType declared)
    {
        await using var sink = new TestSink("PIPELINING", "SIZE 10000000");
        var envelope = await EnvelopeAsync(EightBitMessage, bodyType: declared);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
        var message = Assert.Single(sink.Messages);
        Assert.DoesNotContain(message.Raw, octet => octet >= 0x80);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", message.ContentText, StringComparison.OrdinalIgnoreCase);
        using var original = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(EightBitMessage)));
        using var received = MimeMessage.Load(new MemoryStream(message.Content));
        Assert.Equal(original.Subject, received.Subject);
        Assert.Equal(original.From.ToString(), received.From.ToString());
        Assert.Equal(original.TextBody, received.TextBody);
        Assert.Contains("MAIL FROM:<sender@example.org>", sink.Commands);
    }

    [Fact]
    public async Task An_eight_bit_body_to_a_server_with_8BITMIME_goes_unchanged_with_BODY_8BITMIME()
    {
        await using var sink = new TestSink("PIPELINING", "8BITMIME");
        var envelope = await EnvelopeAsync(EightBitMessage, bodyType: BodyType.EightBitMime);
        await using var client = await OpenAsync(sink);

        await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(EightBitMessage), Assert.Single(sink.Messages).Content);
        Assert.Contains("MAIL FROM:<sender@example.org> BODY=8BITMIME", sink.Commands);
    }

    [Fact]
    public async Task A_binary_body_is_re_encoded_because_DATA_cannot_carry_binary()
    {
        byte[] payload = [0x00, 0x0D, 0xFF, 0x0A, 0x80, 0x2E, 0x0D, 0x0A, 0x2E, 0x00];
        string stored = "From: sender@example.org\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: binary\r\n\r\n";
        byte[] body = [.. Encoding.ASCII.GetBytes(stored), .. payload];
        await using var sink = new TestSink("8BITMIME");
        var envelope = await EnvelopeAsync(body, bodyType: BodyType.BinaryMime);
        await using var client = await OpenAsync(sink);

        await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        using var received = MimeMessage.Load(new MemoryStream(Assert.Single(sink.Messages).Content));
        var part = Assert.IsType<MimePart>(received.Body);
        Assert.NotEqual(ContentEncoding.Binary, part.ContentTransferEncoding);
        using var decoded = new MemoryStream();
        Assert.NotNull(part.Content);
        part.Content.DecodeTo(decoded);
        Assert.Equal(payload, decoded.ToArray());
    }

    [Theory]
    [InlineData("sender@example.org", "δοκιμή@παράδειγμα.δοκιμή")]
    [InlineData("δοκιμή@παράδειγμα.δοκιμή", "rcpt@example.net")]
    public async Task A_UTF8_address_to_a_server_without_SMTPUTF8_fails_with_5_6_7_and_nothing_is_sent(string sender, string recipient)
    {
        await using var sink = new TestSink("PIPELINING", "8BITMIME", "DSN");
        var envelope = await EnvelopeAsync(SimpleMessage, sender: sender, recipients: [recipient], smtpUtf8: true);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        var outcome = Assert.Single(result.Recipients);
        Assert.True(outcome.Reply.IsPermanent);
        Assert.Equal("5.6.7", outcome.Reply.EnhancedCode);
        Assert.Contains($"SMTPUTF8 is required, but was not offered by host {PeerName}", outcome.Reply.ToString(), StringComparison.Ordinal);
        Assert.Null(result.MailReply);
        Assert.True(result.ConnectionUsable);
        Assert.Equal(["EHLO client.test", "QUIT"], sink.Commands);
    }

    [Fact]
    public async Task A_UTF8_address_goes_with_SMTPUTF8_when_the_server_offers_it()
    {
        await using var sink = new TestSink("PIPELINING", "8BITMIME", "SMTPUTF8");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["δοκιμή@παράδειγμα.δοκιμή"], smtpUtf8: false);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
        Assert.Contains("MAIL FROM:<sender@example.org> SMTPUTF8", sink.Commands);
        Assert.Contains("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή>", sink.Commands);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Mixed_RCPT_results_give_per_recipient_outcomes_and_DATA_still_goes(bool pipelining)
    {
        await using var sink = new TestSink(PipeliningIf(pipelining));
        sink.Reply("RCPT TO:<bad@", "550 5.1.1 <bad@example.net>: Recipient address rejected: User unknown");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["good@example.net", "bad@example.net", "other@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1, 2], Body(envelope), CancellationToken.None);

        Assert.Equal([0, 1, 2], result.Recipients.Select(outcome => outcome.Index));
        Assert.Equal("250 2.0.0 Ok: queued as SINK", result.Recipients[0].Reply.ToString());
        Assert.Equal("550 5.1.1 <bad@example.net>: Recipient address rejected: User unknown", result.Recipients[1].Reply.ToString());
        Assert.Equal("250 2.0.0 Ok: queued as SINK", result.Recipients[2].Reply.ToString());
        Assert.Equal(250, result.MailReply?.Code);
        Assert.True(result.ConnectionUsable);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task Outcomes_follow_the_order_of_the_indexes_asked_for()
    {
        await using var sink = new TestSink("PIPELINING");
        sink.Reply("RCPT TO:<a@", "550 5.1.1 no a");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net", "c@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [2, 0], Body(envelope), CancellationToken.None);

        Assert.Equal([2, 0], result.Recipients.Select(outcome => outcome.Index));
        Assert.Equal([250, 550], result.Recipients.Select(outcome => outcome.Reply.Code));
        Assert.Contains(sink.Reads, read => read.SequenceEqual(["MAIL FROM:<sender@example.org>", "RCPT TO:<c@example.net>", "RCPT TO:<a@example.net>", "DATA"]));
    }

    [Fact]
    public async Task Without_PIPELINING_no_DATA_is_sent_when_every_RCPT_is_refused()
    {
        await using var sink = new TestSink();
        sink.Reply("RCPT TO:", "550 5.7.1 Relay access denied");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1], Body(envelope), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.All(result.Recipients, outcome => Assert.Equal("550 5.7.1 Relay access denied", outcome.Reply.ToString()));
        Assert.True(result.ConnectionUsable);
        Assert.DoesNotContain("DATA", sink.Commands);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task With_PIPELINING_a_refused_DATA_after_every_RCPT_was_refused_leaves_the_RCPT_replies()
    {
        await using var sink = new TestSink("PIPELINING");
        sink.Reply("RCPT TO:", "550 5.7.1 Relay access denied");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1], Body(envelope), CancellationToken.None);

        Assert.All(result.Recipients, outcome => Assert.Equal("550 5.7.1 Relay access denied", outcome.Reply.ToString()));
        Assert.True(result.ConnectionUsable);
        Assert.Contains("DATA", sink.Commands);
        Assert.Empty(sink.Messages);
        Assert.True(await client.ResetAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_451_to_MAIL_applies_to_every_recipient(bool pipelining)
    {
        await using var sink = new TestSink(PipeliningIf(pipelining));
        sink.Reply("MAIL FROM:", "451 4.3.0 Error: queue file write error");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1], Body(envelope), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.Equal("451 4.3.0 Error: queue file write error", result.MailReply?.ToString());
        Assert.All(result.Recipients, outcome => Assert.Same(result.MailReply, outcome.Reply));
        Assert.True(result.ConnectionUsable);
        Assert.Empty(sink.Messages);
        if (!pipelining)
        {
            Assert.Equal(["EHLO client.test", "MAIL FROM:<sender@example.org>", "QUIT"], sink.Commands);
        }
    }

    [Fact]
    public async Task A_452_after_the_dot_is_every_accepted_recipients_outcome()
    {
        await using var sink = new TestSink("PIPELINING");
        sink.Reply("RCPT TO:<b@", "550 5.1.1 unknown");
        sink.Reply(".", "452 4.3.1 Insufficient system storage");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net", "c@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1, 2], Body(envelope), CancellationToken.None);

        Assert.Equal(
            ["452 4.3.1 Insufficient system storage", "550 5.1.1 unknown", "452 4.3.1 Insufficient system storage"],
            result.Recipients.Select(outcome => outcome.Reply.ToString()));
        Assert.True(result.ConnectionUsable);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_421_ends_the_transaction_for_every_undecided_recipient_and_the_connection(bool pipelining)
    {
        await using var sink = new TestSink(PipeliningIf(pipelining));
        sink.Reply("RCPT TO:<b@", "421 4.4.2 sink.test Error: timeout exceeded");
        var envelope = await EnvelopeAsync(SimpleMessage, recipients: ["a@example.net", "b@example.net", "c@example.net"]);
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0, 1, 2], Body(envelope), CancellationToken.None);

        Assert.All(result.Recipients, outcome => Assert.Equal(421, outcome.Reply.Code));
        Assert.False(result.ConnectionUsable);
        Assert.False(client.IsUsable);
        Assert.False(await client.ResetAsync(CancellationToken.None));
        Assert.Empty(sink.Messages);
    }

    [Theory]
    [InlineData("MAIL FROM", SmtpClientStage.MailFrom, false)]
    [InlineData("RCPT TO", SmtpClientStage.RcptTo, false)]
    [InlineData("DATA", SmtpClientStage.Data, false)]
    [InlineData(".", SmtpClientStage.EndOfData, true)]
    public async Task The_server_closing_the_connection_fails_the_stage_and_after_the_dot_warns_of_duplicates(string closeOn, string stage, bool afterDataDot)
    {
        await using var sink = new TestSink("8BITMIME");
        sink.CloseOn(closeOn);
        var envelope = await EnvelopeAsync(SimpleMessage);
        await using var client = await OpenAsync(sink);

        var failure = await Assert.ThrowsAsync<SmtpClientException>(() => client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None));

        Assert.Equal(stage, failure.Stage);
        Assert.Equal(afterDataDot, failure.AfterDataDot);
        Assert.StartsWith($"lost connection with {PeerName} while sending", failure.Message, StringComparison.Ordinal);
        Assert.Equal(afterDataDot, failure.Message.EndsWith("-- message may be sent more than once", StringComparison.Ordinal));
        Assert.False(client.IsUsable);
    }

    [Theory]
    [InlineData("MAIL FROM", SmtpClientStage.MailFrom, 300, false)]
    [InlineData("RCPT TO", SmtpClientStage.RcptTo, 300, false)]
    [InlineData("DATA", SmtpClientStage.Data, 120, false)]
    [InlineData(".", SmtpClientStage.EndOfData, 600, true)]
    public async Task A_reply_that_does_not_come_within_the_stage_timeout_fails_that_stage(string held, string stage, int timeoutSeconds, bool afterDataDot)
    {
        var clock = new FakeTimeProvider();
        await using var sink = new TestSink("8BITMIME");
        sink.Hold(held, new TaskCompletionSource().Task);
        var envelope = await EnvelopeAsync(SimpleMessage);
        await using var client = await OpenAsync(sink, ClientOptions.Defaults("client.test", clock));

        var sending = client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);
        await sink.WhenReceived(held);
        clock.Advance(TimeSpan.FromSeconds(timeoutSeconds - 1));
        Assert.False(sending.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var failure = await Assert.ThrowsAsync<SmtpClientException>(() => sending);

        Assert.Equal(stage, failure.Stage);
        Assert.Equal(afterDataDot, failure.AfterDataDot);
        Assert.StartsWith($"conversation with {PeerName} timed out while sending", failure.Message, StringComparison.Ordinal);
        Assert.False(client.IsUsable);
    }

    [Fact]
    public async Task A_greeting_that_does_not_come_in_time_fails_opening()
    {
        var clock = new FakeTimeProvider();
        var stream = new BlockingStream();

        var opening = SmtpClientConnection.OpenAsync(stream, PeerName, ClientOptions.Defaults("client.test", clock), CancellationToken.None);
        await stream.ReadStarted;
        clock.Advance(TimeSpan.FromSeconds(300));
        var failure = await Assert.ThrowsAsync<SmtpClientException>(() => opening);

        Assert.Equal(SmtpClientStage.Greeting, failure.Stage);
        Assert.True(stream.Disposed);
    }

    [Fact]
    public async Task A_failing_body_read_leaves_the_message_unfinished_so_the_server_discards_it()
    {
        await using var sink = new TestSink("PIPELINING", "8BITMIME");
        var envelope = await EnvelopeAsync(new string('x', 100) + "\r\n");
        await using (var client = await OpenAsync(sink))
        {
            await Assert.ThrowsAsync<InvalidDataException>(
                () => client.SendAsync(envelope, [0], () => new FailingStream(Encoding.ASCII.GetBytes("Subject: cut\r\n\r\npart one\r\n")), CancellationToken.None));
            Assert.False(client.IsUsable);
        }

        await sink.DisposeAsync();
        Assert.Empty(sink.Messages);
        Assert.Equal("DATA", sink.Commands[^1]);
    }

    [Fact]
    public async Task Several_transactions_share_one_connection_with_RSET_in_between()
    {
        await using var sink = new TestSink("PIPELINING", "8BITMIME");
        await using var client = await OpenAsync(sink);

        for (int i = 0; i < 3; i++)
        {
            var envelope = await EnvelopeAsync($"Subject: message {i}\r\n\r\nBody {i}.\r\n", recipients: [$"r{i}@example.net"]);
            var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);
            Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
            Assert.True(result.ConnectionUsable);
            Assert.True(await client.ResetAsync(CancellationToken.None));
        }

        await client.QuitAsync(CancellationToken.None);

        Assert.Equal(
            ["Subject: message 0\r\n\r\nBody 0.\r\n", "Subject: message 1\r\n\r\nBody 1.\r\n", "Subject: message 2\r\n\r\nBody 2.\r\n"],
            sink.Messages.Select(message => message.ContentText));
        Assert.Equal(3, sink.Commands.Count(command => command == "RSET"));
        Assert.Equal("QUIT", sink.Commands[^1]);
    }

    [Fact]
    public async Task A_refused_RSET_makes_the_connection_unusable()
    {
        await using var sink = new TestSink();
        sink.Reply("RSET", "502 5.5.2 Error: command not recognized");
        await using var client = await OpenAsync(sink);

        Assert.False(await client.ResetAsync(CancellationToken.None));
        Assert.False(client.IsUsable);
    }

    [Theory]
    [InlineData("554 5.7.1 sink.test go away")]
    [InlineData("421 4.7.0 sink.test too busy")]
    public async Task A_refusing_greeting_is_a_refusal_carrying_the_reply(string greeting)
    {
        await using var sink = new TestSink { Greeting = greeting };
        var envelope = await EnvelopeAsync(SimpleMessage);
        await using var client = await OpenAsync(sink);

        Assert.Equal(greeting, client.Refusal?.ToString());
        Assert.False(client.IsUsable);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_EHLO_falls_back_to_HELO_and_plain_SMTP()
    {
        await using var sink = new TestSink("PIPELINING", "SIZE 1000", "DSN");
        sink.Reply("EHLO", "502 5.5.2 Error: command not recognized");
        var envelope = (await EnvelopeAsync(SimpleMessage)) with { EnvId = "id", Ret = DsnReturn.Full };
        await using var client = await OpenAsync(sink);

        var result = await client.SendAsync(envelope, [0], Body(envelope), CancellationToken.None);

        Assert.False(client.Capabilities.Esmtp);
        Assert.Equal("sink.test", client.Capabilities.ServerName);
        Assert.Equal(250, Assert.Single(result.Recipients).Reply.Code);
        Assert.Equal(["EHLO client.test", "HELO client.test", "MAIL FROM:<sender@example.org>"], sink.Commands.Take(3));
    }

    [Fact]
    public async Task A_421_to_EHLO_is_a_refusal_without_HELO()
    {
        await using var sink = new TestSink();
        sink.Reply("EHLO", "421 4.3.2 sink.test shutting down");
        await using var client = await OpenAsync(sink);

        Assert.Equal(421, client.Refusal?.Code);
        await client.QuitAsync(CancellationToken.None);
        await sink.DisposeAsync();
        Assert.Equal(["EHLO client.test"], sink.Commands);
    }

    [Fact]
    public async Task Without_a_given_name_the_server_is_named_by_its_address()
    {
        await using var sink = new TestSink();
        await using var client = await SmtpClientConnection.OpenAsync(await sink.ConnectAsync(), ClientOptions.Defaults("client.test"), CancellationToken.None);

        Assert.Equal("[127.0.0.1]", client.PeerName);
        Assert.True(client.IsUsable);
    }

    [Fact]
    public async Task The_EHLO_extensions_are_read_into_the_capabilities()
    {
        await using var sink = new TestSink("PIPELINING", "SIZE 10240000", "8BITMIME", "SMTPUTF8", "DSN", "CHUNKING", "STARTTLS");
        await using var client = await OpenAsync(sink);

        var capabilities = client.Capabilities;
        Assert.True(capabilities.Esmtp && capabilities.Pipelining && capabilities.Size && capabilities.EightBitMime
            && capabilities.SmtpUtf8 && capabilities.Dsn && capabilities.Chunking && capabilities.StartTls);
        Assert.Equal(10240000, capabilities.SizeLimit);
        Assert.Equal(220, client.Greeting?.Code);
    }

    private const string EightBitMessage =
        "From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: downgrade\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Grüße aus Köln, ça va?\r\nA second line that is plain ASCII.\r\n";

    private static string[] PipeliningIf(bool offered) => offered ? ["PIPELINING"] : [];

    private static async Task<SmtpClientConnection> OpenAsync(TestSink sink, ClientOptions? options = null) =>
        await SmtpClientConnection.OpenAsync(await sink.ConnectAsync(), PeerName, options ?? ClientOptions.Defaults("client.test"), CancellationToken.None);

    private Func<Stream> Body(MessageEnvelope envelope) => () => _spool.OpenRead(envelope.Body);

    private Task<MessageEnvelope> EnvelopeAsync(
        string content,
        string sender = Sender,
        string[]? recipients = null,
        BodyType bodyType = BodyType.SevenBit,
        bool smtpUtf8 = false) =>
        EnvelopeAsync(Encoding.UTF8.GetBytes(content), sender, recipients, bodyType, smtpUtf8);

    /// <summary>Stores the content in the spool in 16 KB writes, as a session does, and describes it.</summary>
    private async Task<MessageEnvelope> EnvelopeAsync(
        byte[] content,
        string sender = Sender,
        string[]? recipients = null,
        BodyType bodyType = BodyType.SevenBit,
        bool smtpUtf8 = false)
    {
        using var writer = _spool.CreateWriter();
        for (int offset = 0; offset < content.Length; offset += 16 * 1024)
        {
            writer.Write(content.AsSpan(offset, Math.Min(16 * 1024, content.Length - offset)));
            await writer.FlushAsync();
        }

        var body = await writer.CompleteAsync();
        _spool.Retain(body);
        writer.Finish();
        var rcpts = (recipients ?? ["rcpt@example.net"]).Select(address => new EnvelopeRecipient(address, DsnNotify.Unspecified, null)).ToArray();
        return new MessageEnvelope("Q1", sender, 0, body, rcpts, bodyType, smtpUtf8, DsnReturn.Unspecified, null, "192.0.2.1", "client.example");
    }

    /// <summary>Yields its content, then fails the way a damaged spool segment does.</summary>
    private sealed class FailingStream(byte[] content) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length ? base.ReadAsync(buffer, cancellationToken) : throw new InvalidDataException("spool segment damaged");
    }

    /// <summary>A connection on which the server never says anything.</summary>
    private sealed class BlockingStream : Stream
    {
        private readonly TaskCompletionSource _readStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReadStarted => _readStarted.Task;

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _readStarted.TrySetResult();
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
