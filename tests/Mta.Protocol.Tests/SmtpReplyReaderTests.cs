using System.Buffers;
using System.Reflection;
using Mta.Protocol.Tests.Support;
using static Mta.Protocol.Tests.Support.Sequences;

namespace Mta.Protocol.Tests;

public sealed class SmtpReplyReaderTests
{
    public static TheoryData<string> ReplyNames()
    {
        var names = new TheoryData<string>();
        foreach (FieldInfo field in typeof(Replies).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            names.Add(field.Name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(ReplyNames))]
    public void Reader_should_parse_every_canned_reply_back(string name)
    {
        SmtpReply sent = SmtpReplyTests.Canned(name);

        SmtpReply received = Assert.Single(ReadAll(PipeFeeder.Whole(sent.Encoded.ToArray())).Replies);

        AssertSameReply(sent, received);
    }

    [Fact]
    public void Reader_should_parse_multiline_replies_fed_whole_byte_by_byte_and_split_anywhere()
    {
        SmtpReply[] sent =
        [
            Replies.Greeting("mx.example"),
            Replies.Ehlo("mx.example", "client.example", [SmtpExtensions.Pipelining, SmtpExtensions.Size(1000), SmtpExtensions.StartTls]),
            SmtpReply.Multiline(550, "5.7.1", ["Policy rejection", "see https://example.org/policy"]),
            Replies.Queued("ABC123"),
        ];
        byte[] wire = [.. sent.SelectMany(reply => reply.Encoded.ToArray())];

        AssertSameReplies(sent, ReadAll(PipeFeeder.Whole(wire)).Replies);
        AssertSameReplies(sent, ReadAll(PipeFeeder.ByteByByte(wire)).Replies);
        for (int position = 1; position < wire.Length; position++)
        {
            AssertSameReplies(sent, ReadAll(PipeFeeder.TwoChunks(wire, position)).Replies);

            var reader = new SmtpReplyReader();
            ReadOnlySequence<byte> buffer = Split(wire, position);
            foreach (SmtpReply expected in sent)
            {
                Assert.True(reader.TryRead(ref buffer, out SmtpReply? reply, out _));
                AssertSameReply(expected, reply);
            }

            Assert.True(buffer.IsEmpty);
        }
    }

    [Fact]
    public void Reader_should_accept_bare_lf_and_replies_of_other_servers()
    {
        (List<SmtpReply> replies, List<string> errors) = ReadAll(PipeFeeder.Whole(Bytes(
            "220 smtp.example.com ESMTP ready\n250-smtp.example.com at your service\n250-SIZE 35882577\n250 SMTPUTF8\n250\r\n354 Go ahead\r\n")));

        Assert.Empty(errors);
        Assert.Equal(4, replies.Count);
        Assert.Equal(["smtp.example.com at your service", "SIZE 35882577", "SMTPUTF8"], replies[1].Lines);
        Assert.Null(replies[1].EnhancedCode);
        Assert.Equal((250, ""), (replies[2].Code, replies[2].Lines[0]));
        Assert.True(replies[3].IsPositiveIntermediate);
    }

    [Theory]
    [InlineData("250 2.1.5 Ok\r\n", "2.1.5", "Ok")]
    [InlineData("250 2.1.5\r\n", "2.1.5", "")]
    [InlineData("250 5.0.0 text\r\n", null, "5.0.0 text")]
    [InlineData("550 5.7.1\tx\r\n", null, "5.7.1\tx")]
    [InlineData("451 4.7.1 Try later\r\n", "4.7.1", "Try later")]
    [InlineData("250 2.0.0.1 text\r\n", null, "2.0.0.1 text")]
    public void Enhanced_code_should_be_recognised_only_when_it_matches_the_class(string wire, string? enhanced, string text)
    {
        SmtpReply reply = Assert.Single(ReadAll(PipeFeeder.Whole(Bytes(wire))).Replies);

        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(text, reply.Lines[0]);
    }

    [Fact]
    public void Enhanced_code_should_be_taken_off_every_line()
    {
        SmtpReply reply = Assert.Single(ReadAll(PipeFeeder.Whole(Bytes("550-5.1.1 first\r\n550-second\r\n550 5.1.1 third\r\n"))).Replies);

        Assert.Equal("5.1.1", reply.EnhancedCode);
        Assert.Equal(["first", "second", "third"], reply.Lines);
    }

    [Theory]
    [InlineData("25 Ok\r\n")]
    [InlineData("Hello\r\n")]
    [InlineData("250x\r\n")]
    [InlineData("650 Ok\r\n")]
    [InlineData("199 Ok\r\n")]
    [InlineData("2a0 Ok\r\n")]
    [InlineData("\r\n")]
    [InlineData("250-first\r\n251 second\r\n")]
    public void Malformed_reply_should_be_a_protocol_error(string wire)
    {
        (List<SmtpReply> replies, List<string> errors) = ReadAll(PipeFeeder.Whole(Bytes(wire)));

        Assert.Empty(replies);
        Assert.Single(errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Over_long_reply_line_should_be_a_protocol_error(bool terminated)
    {
        var reader = new SmtpReplyReader(maxLineLength: 64);
        ReadOnlySequence<byte> buffer = Of(Bytes("250 " + new string('x', 61) + (terminated ? "\r\n" : string.Empty)));

        Assert.False(reader.TryRead(ref buffer, out SmtpReply? reply, out string? error));
        Assert.Null(reply);
        Assert.Contains("longer than 64", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reply_line_at_the_limit_should_be_read()
    {
        var reader = new SmtpReplyReader(maxLineLength: 64);
        string line = "250 " + new string('x', 60);
        ReadOnlySequence<byte> buffer = Of(Bytes(line + "\r"));

        Assert.False(reader.TryRead(ref buffer, out _, out string? error));
        Assert.Null(error);
        buffer = Of(Bytes(line + "\r\n"));
        Assert.True(reader.TryRead(ref buffer, out SmtpReply? reply, out _));
        Assert.Equal(new string('x', 60), reply.Lines[0]);
    }

    [Fact]
    public void Reply_with_too_many_lines_should_be_a_protocol_error()
    {
        var reader = new SmtpReplyReader(maxLines: 3);
        ReadOnlySequence<byte> buffer = Of(Bytes("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"));

        Assert.False(reader.TryRead(ref buffer, out _, out string? error));
        Assert.Contains("3 lines", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Incomplete_reply_should_need_more_data_keeping_finished_lines()
    {
        var reader = new SmtpReplyReader();
        ReadOnlySequence<byte> buffer = Of(Bytes("250-first\r\n250 sec"));

        Assert.False(reader.TryRead(ref buffer, out SmtpReply? reply, out string? error));
        Assert.Null(reply);
        Assert.Null(error);
        Assert.Equal("250 sec", Text(buffer));

        buffer = Of(Bytes("250 second\r\n"));
        Assert.True(reader.TryRead(ref buffer, out reply, out _));
        Assert.Equal(["first", "second"], reply.Lines);
    }

    private static (List<SmtpReply> Replies, List<string> Errors) ReadAll(IEnumerable<byte[]> chunks)
    {
        var reader = new SmtpReplyReader();
        var replies = new List<SmtpReply>();
        var errors = new List<string>();
        byte[] leftover = PipeFeeder.Feed(chunks, (ref ReadOnlySequence<byte> buffer) =>
        {
            while (errors.Count == 0)
            {
                if (reader.TryRead(ref buffer, out SmtpReply? reply, out string? error))
                {
                    replies.Add(reply);
                }
                else
                {
                    if (error is not null)
                    {
                        errors.Add(error);
                    }

                    return;
                }
            }
        });
        Assert.True(errors.Count > 0 || leftover.Length == 0, "bytes left over after the last reply");
        return (replies, errors);
    }

    private static void AssertSameReplies(IReadOnlyList<SmtpReply> expected, IReadOnlyList<SmtpReply> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSameReply(expected[i], actual[i]);
        }
    }

    private static void AssertSameReply(SmtpReply expected, SmtpReply actual)
    {
        Assert.Equal(expected.Code, actual.Code);
        Assert.Equal(expected.EnhancedCode, actual.EnhancedCode);
        Assert.Equal(expected.Lines, actual.Lines);
        Assert.Equal(expected.Encoded.ToArray(), actual.Encoded.ToArray());
    }
}
