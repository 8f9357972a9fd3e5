namespace Mta.Protocol.Tests;

public sealed class SmtpArgumentsTests
{
    [Theory]
    [InlineData("FROM:<alice@example.org>", "alice@example.org")]
    [InlineData("from:<alice@example.org>", "alice@example.org")]
    [InlineData("FROM: <alice@example.org>", "alice@example.org")]
    [InlineData("FROM:<>", null)]
    [InlineData("FROM:<> SIZE=0", null)]
    [InlineData("FROM:<\"john doe\"@example.org>", "\"john doe\"@example.org")]
    [InlineData("FROM:<\"a>b\"@example.org>", "\"a>b\"@example.org")]
    [InlineData("FROM:<\"a\\\"b\"@example.org>", "\"a\\\"b\"@example.org")]
    [InlineData("FROM:<user@[192.0.2.1]>", "user@[192.0.2.1]")]
    [InlineData("FROM:<user@[IPv6:2001:db8::1]>", "user@[IPv6:2001:db8::1]")]
    [InlineData("FROM:<пользователь@пример.рф> SMTPUTF8", "пользователь@пример.рф")]
    [InlineData("FROM:<@relay.example,@other.example:alice@example.org>", "alice@example.org")]
    [InlineData("FROM:<alice@example.org>  SIZE=1   BODY=7BIT", "alice@example.org")]
    [InlineData("FROM:<Postmaster@example.org>", "Postmaster@example.org")]
    public void Valid_mail_from_should_give_the_reverse_path(string argument, string? reversePath)
    {
        Assert.True(SmtpArguments.TryParseMailFrom(argument, out MailFromArguments? args, out SmtpReply? error));
        Assert.Null(error);
        Assert.Equal(reversePath, args.ReversePath?.ToString());
    }

    [Fact]
    public void Mail_from_parameters_should_all_be_read()
    {
        Assert.True(SmtpArguments.TryParseMailFrom(
            "FROM:<a@example.org> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<>",
            out MailFromArguments? args,
            out _));

        Assert.Equal(
            new MailFromArguments(new Mailbox("a", "example.org"), 12345, BodyType.EightBitMime, true, DsnReturn.Headers, "QQ+1"),
            args);
    }

    [Theory]
    [InlineData("BODY=7bit", BodyType.SevenBit)]
    [InlineData("body=8bitmime", BodyType.EightBitMime)]
    [InlineData("Body=BinaryMime", BodyType.BinaryMime)]
    public void Body_should_be_read_in_any_case(string parameter, BodyType body)
    {
        Assert.True(SmtpArguments.TryParseMailFrom("FROM:<a@b.example> " + parameter, out MailFromArguments? args, out _));
        Assert.Equal(body, args.Body);
    }

    [Fact]
    public void Mail_from_without_parameters_should_have_defaults()
    {
        Assert.True(SmtpArguments.TryParseMailFrom("FROM:<a@b.example>", out MailFromArguments? args, out _));

        Assert.Equal(new MailFromArguments(new Mailbox("a", "b.example"), null, BodyType.SevenBit, false, DsnReturn.Unspecified, null), args);
        Assert.False(args.ReversePath!.IsUtf8);
    }

    [Fact]
    public void Utf8_sender_should_parse_without_smtputf8_and_tell_the_caller()
    {
        Assert.True(SmtpArguments.TryParseMailFrom("FROM:<jörg@example.org>", out MailFromArguments? args, out _));

        Assert.True(args.ReversePath!.IsUtf8);
        Assert.False(args.SmtpUtf8);
    }

    [Theory]
    [InlineData("", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("TO:<a@b.example>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("FROM:a@b.example", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("FROM <a@b.example>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("FROM:<a@b.example>SIZE=1", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("FROM:<a@b.example", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a b@c.example>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<@b.example>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a..b@c.example>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@b..example>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@[192.0.2]>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@[IPv6:zz::1]>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@[x-tag:content]>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<@bad..route:a@b.example>", "501 5.1.7 Bad sender address syntax")]
    [InlineData("FROM:<a@b.example> SIZE=abc", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE=", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE=-1", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE=+1", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE=99999999999999999999", "501 5.5.4 Bad message size syntax")]
    [InlineData("FROM:<a@b.example> SIZE=1 SIZE=2", "501 5.5.4 Duplicate SIZE parameter")]
    [InlineData("FROM:<a@b.example> smtputf8 SMTPUTF8", "501 5.5.4 Duplicate SMTPUTF8 parameter")]
    [InlineData("FROM:<a@b.example> FOO=bar", "555 5.5.4 Unsupported option: FOO=bar")]
    [InlineData("FROM:<a@b.example> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER")]
    [InlineData("FROM:<a@b.example> BODY=9BIT", "501 5.5.4 Bad BODY parameter syntax")]
    [InlineData("FROM:<a@b.example> BODY", "501 5.5.4 Bad BODY parameter syntax")]
    [InlineData("FROM:<a@b.example> SMTPUTF8=yes", "501 5.5.4 Bad SMTPUTF8 parameter syntax")]
    [InlineData("FROM:<a@b.example> RET=ALL", "501 5.5.4 Bad RET parameter syntax")]
    [InlineData("FROM:<a@b.example> RET", "501 5.5.4 Bad RET parameter syntax")]
    [InlineData("FROM:<a@b.example> ENVID=", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("FROM:<a@b.example> ENVID=a+zz", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("FROM:<a@b.example> ENVID=a+0Db", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("FROM:<a@b.example> AUTH", "501 5.5.4 Bad AUTH parameter syntax")]
    public void Invalid_mail_from_should_be_refused_with_the_postfix_reply(string argument, string reply)
    {
        Assert.False(SmtpArguments.TryParseMailFrom(argument, out MailFromArguments? args, out SmtpReply? error));
        Assert.Null(args);
        Assert.Equal(reply, error.ToString());
    }

    [Fact]
    public void Envid_should_be_limited_to_100_characters()
    {
        Assert.True(SmtpArguments.TryParseMailFrom("FROM:<> ENVID=" + new string('e', 100), out _, out _));
        Assert.False(SmtpArguments.TryParseMailFrom("FROM:<> ENVID=" + new string('e', 101), out _, out SmtpReply? error));
        Assert.Same(Replies.BadEnvIdSyntax, error);
    }

    [Fact]
    public void Too_long_local_part_should_be_a_bad_sender()
    {
        Assert.False(SmtpArguments.TryParseMailFrom($"FROM:<{new string('l', 65)}@example.org>", out _, out SmtpReply? error));
        Assert.Same(Replies.BadSenderAddress, error);
    }

    [Theory]
    [InlineData("TO:<bob@example.com>", "bob", "example.com")]
    [InlineData("to:<bob@example.com>", "bob", "example.com")]
    [InlineData("TO: <bob@example.com>", "bob", "example.com")]
    [InlineData("TO:<Postmaster>", "Postmaster", "")]
    [InlineData("TO:<postmaster>", "postmaster", "")]
    [InlineData("TO:<POSTMASTER>", "POSTMASTER", "")]
    [InlineData("TO:<postmaster@example.com>", "postmaster", "example.com")]
    [InlineData("TO:<@a.example,@b.example:bob@example.com>", "bob", "example.com")]
    [InlineData("TO:<@[IPv6:2001:db8::1]:bob@example.com>", "bob", "example.com")]
    [InlineData("TO:<\"bob smith\"@[192.0.2.7]>", "\"bob smith\"", "[192.0.2.7]")]
    [InlineData("TO:<ñandú@ejemplo.es>", "ñandú", "ejemplo.es")]
    public void Valid_rcpt_to_should_give_the_recipient(string argument, string local, string domain)
    {
        Assert.True(SmtpArguments.TryParseRcptTo(argument, out RcptToArguments? args, out SmtpReply? error));
        Assert.Null(error);
        Assert.Equal(new Mailbox(local, domain), args.Recipient);
        Assert.Equal(DsnNotify.Unspecified, args.Notify);
        Assert.Null(args.OriginalRecipient);
    }

    [Fact]
    public void Postmaster_without_domain_should_be_recognised_as_postmaster()
    {
        Assert.True(SmtpArguments.TryParseRcptTo("TO:<Postmaster>", out RcptToArguments? args, out _));

        Assert.True(args.Recipient.IsPostmaster);
        Assert.Equal("Postmaster", args.Recipient.ToString());
    }

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never)]
    [InlineData("notify=never", DsnNotify.Never)]
    [InlineData("NOTIFY=SUCCESS", DsnNotify.Success)]
    [InlineData("NOTIFY=SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure)]
    [InlineData("NOTIFY=DELAY,FAILURE,SUCCESS", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    public void Notify_should_be_read(string parameter, DsnNotify notify)
    {
        Assert.True(SmtpArguments.TryParseRcptTo("TO:<bob@example.com> " + parameter, out RcptToArguments? args, out _));
        Assert.Equal(notify, args.Notify);
    }

    [Theory]
    [InlineData("ORCPT=rfc822;bob@example.com", "rfc822;bob@example.com")]
    [InlineData("ORCPT=rfc822;bob+2Blist@example.com", "rfc822;bob+list@example.com")]
    [InlineData("orcpt=RFC822;a+3Db@example.com", "RFC822;a=b@example.com")]
    [InlineData("ORCPT=utf-8;jörg@example.org", "utf-8;jörg@example.org")]
    public void Orcpt_should_be_read_and_decoded(string parameter, string original)
    {
        Assert.True(SmtpArguments.TryParseRcptTo("TO:<bob@example.com> NOTIFY=FAILURE " + parameter, out RcptToArguments? args, out _));
        Assert.Equal(original, args.OriginalRecipient);
        Assert.Equal(DsnNotify.Failure, args.Notify);
    }

    [Theory]
    [InlineData("", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("FROM:<a@b.example>", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("TO:bob@example.com", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("TO:<bob@example.com>x", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("TO:<>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<bob>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<\"postmaster\">", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<bob@exa mple.com>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<@a.example:>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<@a.example>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<@a..example:bob@example.com>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<a.example:bob@example.com>", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<bob@example.com", "501 5.1.3 Bad recipient address syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY=NEVER,SUCCESS", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY=", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY=SOMETIMES", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY=SUCCESS,,FAILURE", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=bob@example.com", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=;bob@example.com", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=rfc822;", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=rfc822;a+zz", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=rfc822;a+0Ab", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> ORCPT=rfc.822;a", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("TO:<bob@example.com> NOTIFY=NEVER NOTIFY=NEVER", "501 5.5.4 Duplicate NOTIFY parameter")]
    [InlineData("TO:<bob@example.com> SIZE=1", "555 5.5.4 Unsupported option: SIZE=1")]
    public void Invalid_rcpt_to_should_be_refused_with_the_postfix_reply(string argument, string reply)
    {
        Assert.False(SmtpArguments.TryParseRcptTo(argument, out RcptToArguments? args, out SmtpReply? error));
        Assert.Null(args);
        Assert.Equal(reply, error.ToString());
    }

    [Fact]
    public void Orcpt_should_be_limited_to_500_characters()
    {
        string prefix = "rfc822;";
        string fits = prefix + new string('a', 500 - prefix.Length);

        Assert.True(SmtpArguments.TryParseRcptTo("TO:<b@c.example> ORCPT=" + fits, out _, out _));
        Assert.False(SmtpArguments.TryParseRcptTo("TO:<b@c.example> ORCPT=" + fits + "a", out _, out _));
    }

    [Theory]
    [InlineData("1000", 1000L, false)]
    [InlineData("0 LAST", 0L, true)]
    [InlineData("5 last", 5L, true)]
    [InlineData("  7   LAST  ", 7L, true)]
    [InlineData("9223372036854775807", long.MaxValue, false)]
    public void Valid_bdat_should_give_size_and_last(string argument, long size, bool last)
    {
        Assert.True(SmtpArguments.TryParseBdat(argument, out long chunkSize, out bool isLast, out SmtpReply? error));
        Assert.Null(error);
        Assert.Equal((size, last), (chunkSize, isLast));
    }

    [Theory]
    [InlineData("")]
    [InlineData("LAST")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("10 MORE")]
    [InlineData("10 LAST X")]
    [InlineData("1 2")]
    [InlineData("9223372036854775808")]
    [InlineData("١٢")]
    public void Invalid_bdat_should_be_a_syntax_error(string argument)
    {
        Assert.False(SmtpArguments.TryParseBdat(argument, out long chunkSize, out bool last, out SmtpReply? error));
        Assert.Equal((0L, false), (chunkSize, last));
        Assert.Equal("501 5.5.4 Syntax: BDAT size [LAST]", error.ToString());
    }

    [Theory]
    [InlineData("client.example", "client.example")]
    [InlineData("[192.0.2.1]", "[192.0.2.1]")]
    [InlineData("  spaced.example  ", "spaced.example")]
    [InlineData("not a hostname", "not")]
    [InlineData("under_score!", "under_score!")]
    public void Helo_should_accept_any_first_word(string argument, string domain)
    {
        Assert.True(SmtpArguments.TryParseHelo(argument, out string? name, out SmtpReply? error));
        Assert.Null(error);
        Assert.Equal(domain, name);
    }

    [Theory]
    [InlineData(SmtpVerb.Ehlo, "", "501 5.5.4 Syntax: EHLO hostname")]
    [InlineData(SmtpVerb.Ehlo, "   ", "501 5.5.4 Syntax: EHLO hostname")]
    [InlineData(SmtpVerb.Helo, "", "501 5.5.4 Syntax: HELO hostname")]
    public void Helo_without_a_name_should_be_a_syntax_error(SmtpVerb verb, string argument, string reply)
    {
        Assert.False(SmtpArguments.TryParseHelo(verb, argument, out string? name, out SmtpReply? error));
        Assert.Null(name);
        Assert.Equal(reply, error.ToString());
        Assert.False(SmtpArguments.TryParseHelo(argument, out _, out error));
        Assert.Same(Replies.EhloSyntax, error);
    }
}
