using System.Buffers;
using Mta.Protocol.Tests.Support;
using static Mta.Protocol.Tests.Support.Sequences;

namespace Mta.Protocol.Tests;

public sealed class SmtpLineReaderTests
{
    private const int Max = 16;

    [Theory]
    [InlineData("NOOP\r\n", "NOOP")]
    [InlineData("NOOP\n", "NOOP")]
    [InlineData("\r\n", "")]
    [InlineData("\n", "")]
    [InlineData("A\rB\r\n", "A\rB")]
    [InlineData("A\r\r\n", "A\r")]
    public void Reader_should_strip_crlf_or_bare_lf(string input, string expected)
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(input));

        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        Assert.Equal(expected, Text(line));
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Line_of_exactly_the_limit_should_be_returned(string terminator)
    {
        var reader = new SmtpLineReader(Max);
        string content = new('x', Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(content + terminator + "QUIT\r\n"));

        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        Assert.Equal(content, Text(line));
        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out line));
        Assert.Equal("QUIT", Text(line));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Line_one_over_the_limit_should_be_too_long_and_the_next_line_intact(string terminator)
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(new string('x', Max + 1) + terminator + "QUIT\r\n"));

        Assert.Equal(LineReadStatus.LineTooLong, reader.TryReadLine(ref buffer, out _));
        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        Assert.Equal("QUIT", Text(line));
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NOOP")]
    [InlineData("NOOP\r")]
    [InlineData("xxxxxxxxxxxxxxxx")]
    [InlineData("xxxxxxxxxxxxxxxx\r")]
    public void Partial_line_within_the_limit_should_be_left_unconsumed(string input)
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(input));

        Assert.Equal(LineReadStatus.NeedMoreData, reader.TryReadLine(ref buffer, out _));
        Assert.Equal(input, Text(buffer));
    }

    [Fact]
    public void Partial_line_over_the_limit_should_be_reported_at_once_and_consumed()
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(new string('x', Max + 1)));

        Assert.Equal(LineReadStatus.LineTooLong, reader.TryReadLine(ref buffer, out _));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Over_long_line_across_many_calls_should_be_reported_once_and_never_returned()
    {
        var reader = new SmtpLineReader(Max);
        var statuses = new List<LineReadStatus>();
        var lines = new List<string>();
        var chunks = new List<byte[]>();
        for (int i = 0; i < 50; i++)
        {
            chunks.Add(Bytes("0123456789"));
        }

        chunks.Add(Bytes("tail\r\nNOOP\r\n"));

        byte[] leftover = PipeFeeder.Feed(chunks, (ref ReadOnlySequence<byte> buffer) =>
        {
            LineReadStatus status;
            while ((status = reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line)) != LineReadStatus.NeedMoreData)
            {
                statuses.Add(status);
                if (status == LineReadStatus.Line)
                {
                    lines.Add(Text(line));
                }
            }

            // While discarding, nothing may be held back for the next call.
            Assert.True(buffer.Length <= Max + 1);
        });

        Assert.Equal([LineReadStatus.LineTooLong, LineReadStatus.Line], statuses);
        Assert.Equal(["NOOP"], lines);
        Assert.Empty(leftover);
    }

    [Fact]
    public void Line_should_be_read_when_crlf_is_split_across_segments()
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes("NO"), Bytes("OP\r"), Bytes("\nQUIT\r\n"));

        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        Assert.Equal("NOOP", Text(line));
        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out line));
        Assert.Equal("QUIT", Text(line));
    }

    [Fact]
    public void Line_at_the_limit_should_be_read_when_its_cr_ends_one_call_and_lf_starts_the_next()
    {
        var reader = new SmtpLineReader(Max);
        string content = new('y', Max);
        var lines = new List<string>();

        PipeFeeder.Feed([Bytes(content + "\r"), Bytes("\n")], (ref ReadOnlySequence<byte> buffer) =>
        {
            while (reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line) == LineReadStatus.Line)
            {
                lines.Add(Text(line));
            }
        });

        Assert.Equal([content], lines);
    }

    [Fact]
    public void Feeding_byte_by_byte_should_give_the_same_outcome_as_feeding_whole()
    {
        byte[] input = Bytes("EHLO a\r\nMAIL FROM:<a@b>\n" + new string('z', 40) + "\r\nRCPT TO:<c@d>\r\nDA");

        Assert.Equal(ReadAll(PipeFeeder.Whole(input)), ReadAll(PipeFeeder.ByteByByte(input)));
        Assert.Equal(["EHLO a", "MAIL FROM:<a@b>", "<too long>", "RCPT TO:<c@d>", "left: DA"], ReadAll(PipeFeeder.Whole(input)));
    }

    [Fact]
    public void Reset_should_forget_a_line_being_discarded()
    {
        var reader = new SmtpLineReader(Max);
        ReadOnlySequence<byte> buffer = Of(Bytes(new string('x', Max + 5)));
        Assert.Equal(LineReadStatus.LineTooLong, reader.TryReadLine(ref buffer, out _));

        reader.Reset();
        buffer = Of(Bytes("EHLO b\r\n"));

        Assert.Equal(LineReadStatus.Line, reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line));
        Assert.Equal("EHLO b", Text(line));
    }

    [Fact]
    public void Default_limit_should_be_postfix_line_length_limit()
    {
        Assert.Equal(2048, new SmtpLineReader().MaxLineLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpLineReader(0));
    }

    private static List<string> ReadAll(IEnumerable<byte[]> chunks)
    {
        var reader = new SmtpLineReader(Max * 2);
        var events = new List<string>();
        byte[] leftover = PipeFeeder.Feed(chunks, (ref ReadOnlySequence<byte> buffer) =>
        {
            LineReadStatus status;
            while ((status = reader.TryReadLine(ref buffer, out ReadOnlySequence<byte> line)) != LineReadStatus.NeedMoreData)
            {
                events.Add(status == LineReadStatus.Line ? Text(line) : "<too long>");
            }
        });
        events.Add("left: " + Text(leftover));
        return events;
    }
}
