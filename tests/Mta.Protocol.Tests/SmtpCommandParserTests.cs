using System.Buffers;
using System.Text;
using static Mta.Protocol.Tests.Support.Sequences;

namespace Mta.Protocol.Tests;

public sealed class SmtpCommandParserTests
{
    [Theory]
    [InlineData("HELO", SmtpVerb.Helo)]
    [InlineData("helo", SmtpVerb.Helo)]
    [InlineData("EhLo", SmtpVerb.Ehlo)]
    [InlineData("mAIL", SmtpVerb.Mail)]
    [InlineData("RcPt", SmtpVerb.Rcpt)]
    [InlineData("data", SmtpVerb.Data)]
    [InlineData("BdAt", SmtpVerb.Bdat)]
    [InlineData("rSeT", SmtpVerb.Rset)]
    [InlineData("NoOp", SmtpVerb.Noop)]
    [InlineData("quit", SmtpVerb.Quit)]
    [InlineData("VrFy", SmtpVerb.Vrfy)]
    [InlineData("eXPN", SmtpVerb.Expn)]
    [InlineData("Help", SmtpVerb.Help)]
    [InlineData("StartTLS", SmtpVerb.StartTls)]
    [InlineData("starttls", SmtpVerb.StartTls)]
    [InlineData("AUTH", SmtpVerb.Auth)]
    public void Every_verb_should_be_recognised_in_any_case(string verb, SmtpVerb expected)
    {
        SmtpCommand command = Parse(verb);

        Assert.True(command.IsValid);
        Assert.Equal(expected, command.Verb);
        Assert.Equal(string.Empty, command.Argument);
    }

    [Theory]
    [InlineData("HELLO")]
    [InlineData("HEL")]
    [InlineData("MAILFROM:<a@b>")]
    [InlineData("XYZZY")]
    [InlineData("STARTTLSX")]
    [InlineData("START TLS")]
    [InlineData("EHL0 x")]
    [InlineData("ETRN example.com")]
    [InlineData("H\x05LO")]
    [InlineData("MAI\x0C")]
    [InlineData("DAT\x01")]
    [InlineData("STARTTL\x13")]
    public void Unknown_verbs_should_be_refused_as_not_recognised(string line)
    {
        SmtpCommand command = Parse(line);

        Assert.Equal(SmtpVerb.Unknown, command.Verb);
        Assert.Same(Replies.UnknownCommand, command.Error);
        Assert.Equal("502 5.5.2 Error: command not recognized", command.Error!.ToString());
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b>", SmtpVerb.Mail, "FROM:<a@b>")]
    [InlineData("MAIL FROM:<a@b>  SIZE=1   ", SmtpVerb.Mail, "FROM:<a@b>  SIZE=1")]
    [InlineData("rcpt   TO:<c@d> NOTIFY=NEVER", SmtpVerb.Rcpt, "TO:<c@d> NOTIFY=NEVER")]
    [InlineData("  NOOP  ", SmtpVerb.Noop, "")]
    [InlineData("VRFY  some user  ", SmtpVerb.Vrfy, "some user")]
    [InlineData("EHLO\tclient.example\t", SmtpVerb.Ehlo, "client.example")]
    [InlineData("BDAT 100 LAST", SmtpVerb.Bdat, "100 LAST")]
    [InlineData("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=", SmtpVerb.Auth, "PLAIN dGVzdAB0ZXN0AHRlc3Q=")]
    public void Argument_should_be_the_text_after_the_verb_with_outer_blanks_removed(string line, SmtpVerb verb, string argument)
    {
        SmtpCommand command = Parse(line);

        Assert.Equal(verb, command.Verb);
        Assert.Equal(argument, command.Argument);
        Assert.Null(command.Error);
    }

    [Fact]
    public void Utf8_argument_should_be_decoded()
    {
        SmtpCommand command = SmtpCommandParser.Parse(Encoding.UTF8.GetBytes("MAIL FROM:<пользователь@пример.рф> SMTPUTF8"));

        Assert.Equal(SmtpVerb.Mail, command.Verb);
        Assert.Equal("FROM:<пользователь@пример.рф> SMTPUTF8", command.Argument);
    }

    [Theory]
    [InlineData("NOOP\0")]
    [InlineData("MAIL FROM:<a\0@b>")]
    [InlineData("\0")]
    public void Line_with_nul_should_be_refused(string line)
    {
        SmtpCommand command = Parse(line);

        Assert.Equal(SmtpVerb.Unknown, command.Verb);
        Assert.Same(Replies.NulCharacter, command.Error);
        Assert.Equal(500, command.Error!.Code);
        Assert.Equal("5.5.2", command.Error.EnhancedCode);
    }

    [Theory]
    [InlineData("MAIL FROM:<\xC3\x28@b>")]
    [InlineData("HELO \xFF")]
    [InlineData("\xE2\x82")]
    [InlineData("RCPT TO:<\xED\xA0\x80@b>")]
    public void Line_that_is_not_utf8_should_be_refused(string line)
    {
        SmtpCommand command = Parse(line);

        Assert.Same(Replies.BadUtf8, command.Error);
        Assert.Equal("500 5.5.2 Error: bad UTF-8 syntax", command.Error!.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Empty_line_should_be_bad_syntax(string line)
    {
        Assert.Same(Replies.BadSyntax, Parse(line).Error);
    }

    [Theory]
    [InlineData("MAIL FROM:<alice@example.org> SIZE=1000")]
    [InlineData("XYZZY")]
    [InlineData("NOOP\0")]
    public void Multi_segment_line_should_parse_as_the_same_line_in_one_span(string text)
    {
        byte[] line = Bytes(text);
        SmtpCommand whole = SmtpCommandParser.Parse(line);
        for (int cut = 1; cut < line.Length; cut++)
        {
            SmtpCommand split = SmtpCommandParser.Parse(Split(line, cut));

            Assert.Equal((whole.Verb, whole.Argument, whole.Error), (split.Verb, split.Argument, split.Error));
        }
    }

    [Fact]
    public void Long_multi_segment_line_should_parse_through_a_pooled_copy()
    {
        string argument = "FROM:<" + new string('a', 60) + "@example.org> ENVID=" + new string('e', 900);
        byte[] line = Bytes("MAIL " + argument);

        SmtpCommand command = SmtpCommandParser.Parse(Split(line, 3, 700));

        Assert.Equal(SmtpVerb.Mail, command.Verb);
        Assert.Equal(argument, command.Argument);
    }

    [Fact]
    public void Command_without_argument_should_not_allocate_an_argument()
    {
        SmtpCommand command = Parse("DATA");

        Assert.Same(string.Empty, command.Argument);
        Assert.Same(string.Empty, default(SmtpCommand).Argument);
    }

    private static SmtpCommand Parse(string line)
    {
        SmtpCommand fromSpan = SmtpCommandParser.Parse(Bytes(line));
        SmtpCommand fromSequence = SmtpCommandParser.Parse(new ReadOnlySequence<byte>(Bytes(line)));
        Assert.Equal((fromSpan.Verb, fromSpan.Argument, fromSpan.Error), (fromSequence.Verb, fromSequence.Argument, fromSequence.Error));
        return fromSpan;
    }
}
