using System.Reflection;
using System.Text;

namespace Mta.Protocol.Tests;

public sealed class SmtpReplyTests
{
    public static TheoryData<string, string> CannedReplies => new()
    {
        { nameof(Replies.Ok), "250 2.0.0 Ok\r\n" },
        { nameof(Replies.SenderOk), "250 2.1.0 Ok\r\n" },
        { nameof(Replies.RecipientOk), "250 2.1.5 Ok\r\n" },
        { nameof(Replies.StartMailInput), "354 End data with <CR><LF>.<CR><LF>\r\n" },
        { nameof(Replies.Bye), "221 2.0.0 Bye\r\n" },
        { nameof(Replies.BadSequence), "503 5.5.1 Error: bad sequence of commands\r\n" },
        { nameof(Replies.NeedMailCommand), "503 5.5.1 Error: need MAIL command\r\n" },
        { nameof(Replies.NeedRcptCommand), "503 5.5.1 Error: need RCPT command\r\n" },
        { nameof(Replies.NestedMail), "503 5.5.1 Error: nested MAIL command\r\n" },
        { nameof(Replies.NeedHelo), "503 5.5.1 Error: send HELO/EHLO first\r\n" },
        { nameof(Replies.UnknownCommand), "502 5.5.2 Error: command not recognized\r\n" },
        { nameof(Replies.NotImplemented), "502 5.5.1 Error: command not implemented\r\n" },
        { nameof(Replies.LineTooLong), "500 5.5.2 Error: line too long\r\n" },
        { nameof(Replies.TooManyRecipients), "452 4.5.3 Error: too many recipients\r\n" },
        { nameof(Replies.MessageTooBig), "552 5.3.4 Error: message file too big\r\n" },
        { nameof(Replies.TooManyHops), "554 5.4.0 Error: too many hops\r\n" },
        { nameof(Replies.VrfyCannot), "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n" },
        { nameof(Replies.InsufficientStorage), "452 4.3.1 Insufficient system storage\r\n" },
        { nameof(Replies.LocalErrorInProcessing), "451 4.3.0 Error: queue file write error\r\n" },
        { nameof(Replies.PipeliningViolation), "554 5.5.0 Error: SMTP protocol synchronization\r\n" },
        { nameof(Replies.Utf8NotEnabled), "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n" },
        { nameof(Replies.MustStartTlsFirst), "530 5.7.0 Must issue a STARTTLS command first\r\n" },
        { nameof(Replies.ReadyToStartTls), "220 2.0.0 Ready to start TLS\r\n" },
        { nameof(Replies.TlsAlreadyActive), "554 5.5.1 Error: TLS already active\r\n" },
        { nameof(Replies.TlsNotAvailable), "454 4.7.0 TLS not available due to local problem\r\n" },
        { nameof(Replies.StartTlsSyntax), "501 5.5.4 Syntax: STARTTLS\r\n" },
        { nameof(Replies.NoValidRecipients), "554 5.5.1 Error: no valid recipients\r\n" },
        { nameof(Replies.MailTransactionInProgress), "503 5.5.1 Error: MAIL transaction in progress\r\n" },
        { nameof(Replies.BadUtf8), "500 5.5.2 Error: bad UTF-8 syntax\r\n" },
        { nameof(Replies.BadSyntax), "500 5.5.2 Error: bad syntax\r\n" },
    };

    [Theory]
    [MemberData(nameof(CannedReplies))]
    public void Canned_reply_should_encode_exactly_as_postfix_writes_it(string name, string wire)
    {
        Assert.Equal(wire, Wire(Canned(name)));
    }

    [Fact]
    public void Every_canned_reply_but_354_should_carry_an_enhanced_code_of_its_class()
    {
        foreach (FieldInfo field in typeof(Replies).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var reply = (SmtpReply)field.GetValue(null)!;
            if (reply.Code == 354)
            {
                Assert.Null(reply.EnhancedCode);
                continue;
            }

            Assert.True(reply.EnhancedCode is not null, $"{field.Name} lacks an enhanced code");
            Assert.Equal(reply.Code / 100, reply.EnhancedCode![0] - '0');
            Assert.StartsWith($"{reply.Code} {reply.EnhancedCode} ", Wire(reply), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Host_specific_replies_should_name_the_host()
    {
        Assert.Equal("220 mx.example ESMTP Mta\r\n", Wire(Replies.Greeting("mx.example")));
        Assert.Equal("250 mx.example\r\n", Wire(Replies.Helo("mx.example")));
        Assert.Equal("421 4.4.2 mx.example Error: timeout exceeded\r\n", Wire(Replies.TimeoutFor("mx.example")));
        Assert.Equal("421 4.3.2 mx.example Service not available, closing transmission channel\r\n", Wire(Replies.ServiceNotAvailable("mx.example")));
        Assert.Equal("421 4.7.0 mx.example Error: too many errors\r\n", Wire(Replies.TooManyErrors("mx.example")));
        Assert.Equal("421 4.7.0 mx.example Error: too many connections\r\n", Wire(Replies.TooManyConnections("mx.example")));
        Assert.Equal("421 4.7.0 mx.example Error: too many connections from 192.0.2.1\r\n", Wire(Replies.TooManyConnections("mx.example", "192.0.2.1")));
        Assert.Equal("421 4.7.1 mx.example Error: No client certificate presented\r\n", Wire(Replies.NoClientCertificate("mx.example")));
        Assert.Equal("421 4.7.1 mx.example Error: Client certificate not trusted\r\n", Wire(Replies.ClientCertificateNotTrusted("mx.example")));
    }

    [Fact]
    public void Replies_about_an_address_or_message_should_quote_it()
    {
        Assert.Equal("554 5.7.1 <bob@example.com>: Relay access denied\r\n", Wire(Replies.RelayDenied("bob@example.com")));
        Assert.Equal(
            "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table\r\n",
            Wire(Replies.UnknownLocalUser("bob@example.com")));
        Assert.Equal("250 2.0.0 Ok: queued as 4FhK2x\r\n", Wire(Replies.Queued("4FhK2x")));
        Assert.Equal("250 2.0.0 Ok: 1024 bytes\r\n", Wire(Replies.BdatChunkOk(1024)));
        Assert.Equal("250 2.0.0 Ok: 2048 bytes queued as 4FhK2x\r\n", Wire(Replies.BdatQueued(2048, "4FhK2x")));
        Assert.Equal("555 5.5.4 Unsupported option: FOO=1\r\n", Wire(Replies.UnsupportedOption("FOO=1")));
    }

    [Fact]
    public void Ehlo_reply_should_list_extensions_without_enhanced_codes()
    {
        SmtpReply reply = Replies.Ehlo("mx.example", "client.example", [SmtpExtensions.Pipelining, SmtpExtensions.Size(10240000), SmtpExtensions.EightBitMime]);

        Assert.Equal("250-mx.example Hello client.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n", Wire(reply));
        Assert.Null(reply.EnhancedCode);
        Assert.Equal(4, reply.Lines.Count);
    }

    [Fact]
    public void Text_from_the_peer_should_not_be_able_to_split_a_reply()
    {
        Assert.Equal("250-mx.example Hello evil??250 fake\r\n250 PIPELINING\r\n", Wire(Replies.Ehlo("mx.example", "evil\r\n250 fake", [SmtpExtensions.Pipelining])));
        Assert.Equal("250 2.0.0 Ok: queued as a?b\r\n", Wire(Replies.Queued("a\nb")));
    }

    [Fact]
    public void Multiline_reply_should_prefix_every_line_with_code_and_enhanced_code()
    {
        SmtpReply reply = SmtpReply.Multiline(550, "5.7.1", ["first", "second", "third"]);

        Assert.Equal("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n", Wire(reply));
        Assert.Equal("550 5.7.1 first second third", reply.ToString());
    }

    [Fact]
    public void Reply_without_text_or_enhanced_code_should_end_after_the_code()
    {
        Assert.Equal("250\r\n", Wire(SmtpReply.Create(250, null, string.Empty)));
        Assert.Equal("250 2.0.0 \r\n", Wire(SmtpReply.Create(250, "2.0.0", string.Empty)));
    }

    [Fact]
    public void Utf8_text_should_be_encoded_as_utf8()
    {
        Assert.Equal("550 5.1.1 <jörg@example.org>: x\r\n", Wire(SmtpReply.Create(550, "5.1.1", "<jörg@example.org>: x")));
    }

    [Theory]
    [InlineData(220, true, false, false, false)]
    [InlineData(250, true, false, false, false)]
    [InlineData(354, false, true, false, false)]
    [InlineData(421, false, false, true, false)]
    [InlineData(452, false, false, true, false)]
    [InlineData(550, false, false, false, true)]
    public void Classification_should_follow_the_first_digit(int code, bool completion, bool intermediate, bool transient, bool permanent)
    {
        SmtpReply reply = SmtpReply.Create(code, null, "x");

        Assert.Equal(code < 400, reply.IsPositive);
        Assert.Equal(completion, reply.IsPositiveCompletion);
        Assert.Equal(intermediate, reply.IsPositiveIntermediate);
        Assert.Equal(transient, reply.IsTransient);
        Assert.Equal(permanent, reply.IsPermanent);
    }

    [Theory]
    [InlineData(199, null, "x")]
    [InlineData(600, null, "x")]
    [InlineData(250, "4.0.0", "x")]
    [InlineData(354, "3.0.0", "x")]
    [InlineData(250, "2.0", "x")]
    [InlineData(250, "2.0.0.0", "x")]
    [InlineData(250, "2.1000.0", "x")]
    [InlineData(250, "2..0", "x")]
    [InlineData(250, "x.0.0", "x")]
    [InlineData(250, "2.0.0 ", "x")]
    [InlineData(250, null, "two\r\nlines")]
    [InlineData(250, null, "bare\nlf")]
    [InlineData(250, null, "bare\rcr")]
    public void Reply_that_cannot_be_sent_should_be_refused(int code, string? enhanced, string text)
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(code, enhanced, text));
    }

    [Fact]
    public void Multiline_reply_should_need_at_least_one_line()
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Multiline(250, null, []));
    }

    [Theory]
    [InlineData(250, "2.0.0", true)]
    [InlineData(550, "5.1.10", true)]
    [InlineData(452, "4.123.456", true)]
    [InlineData(250, "5.0.0", false)]
    [InlineData(250, "2.0.", false)]
    [InlineData(250, "2.0.0x", false)]
    public void Enhanced_code_recognition_should_follow_rfc_3463(int code, string text, bool valid)
    {
        Assert.Equal(valid, SmtpReply.IsEnhancedCodeFor(code, text));
    }

    internal static SmtpReply Canned(string name) =>
        (SmtpReply)typeof(Replies).GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static string Wire(SmtpReply reply) => Encoding.UTF8.GetString(reply.Encoded.Span);
}
