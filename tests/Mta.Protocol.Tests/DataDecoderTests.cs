using System.Buffers;
using Mta.Protocol.Tests.Support;
using static Mta.Protocol.Tests.Support.Sequences;

namespace Mta.Protocol.Tests;

public sealed class DataDecoderTests
{
    [Theory]
    [InlineData("a\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("a\r.\rb\r\n.\r\n", "a\r.\rb\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("a\r\n.\rX\r\n.\r\n", "a\r\n\rX\r\n")]
    [InlineData("a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n")]
    [InlineData("a\r\n.\n.\r\nb\r\n.\r\n", "a\r\n\r\n\r\nb\r\n")]
    [InlineData("\n.\r\nMAIL FROM:<evil@example.net>\r\n.\r\n", "\r\n\r\nMAIL FROM:<evil@example.net>\r\n")]
    [InlineData("a\r\n\r.\r\n.\r\n", "a\r\n\r.\r\n")]
    [InlineData("a\r\r\n.\r\n", "a\r\r\n")]
    public void Smuggling_variants_should_stay_content(string input, string content)
    {
        (string output, string rest, DataDecoder decoder) = DecodeWhole(input);

        Assert.Equal(Escape(content), Escape(output));
        Assert.Equal(string.Empty, rest);
        Assert.True(decoder.IsComplete);
    }

    [Theory]
    [InlineData("a\n.\n")]
    [InlineData("a\r.\r")]
    [InlineData("a\n.\r\n")]
    [InlineData("a\r\n.\n")]
    [InlineData("a\r\n.\rX")]
    [InlineData("a\r\n. \r\n")]
    [InlineData("a\r\n..\r\n")]
    public void Smuggled_terminators_alone_should_never_end_the_data(string input)
    {
        var decoder = new DataDecoder();
        ReadOnlySequence<byte> buffer = Of(Bytes(input));

        Assert.Equal(DataDecodeStatus.NeedMoreData, decoder.Decode(ref buffer, new ArrayBufferWriter<byte>()));
        Assert.True(buffer.IsEmpty);
        Assert.False(decoder.IsComplete);
    }

    [Theory]
    [InlineData(".\r\n", "")]
    [InlineData("\r\n.\r\n", "\r\n")]
    [InlineData("..\r\n.\r\n", ".\r\n")]
    [InlineData("..a\r\n...\r\n.x\r\na.b.\r\n.\r\n", ".a\r\n..\r\nx\r\na.b.\r\n")]
    [InlineData("a\nb\r\n.\r\n", "a\r\nb\r\n")]
    [InlineData("a\n.b\n\r\n.\r\n", "a\r\nb\r\n\r\n")]
    [InlineData("a\rb\r\n.\r\n", "a\rb\r\n")]
    [InlineData("no final line end\r\n.\r\n", "no final line end\r\n")]
    public void Content_should_be_unstuffed_and_normalised(string input, string content)
    {
        Assert.Equal(Escape(content), Escape(DecodeWhole(input).Output));
    }

    [Fact]
    public void Empty_message_should_complete_at_once()
    {
        (string output, string rest, DataDecoder decoder) = DecodeWhole(".\r\nQUIT\r\n");

        Assert.Equal(string.Empty, output);
        Assert.Equal("QUIT\r\n", rest);
        Assert.Equal(0, decoder.ContentLength);
    }

    [Fact]
    public void Lines_longer_than_1000_octets_should_be_kept_whole()
    {
        string line = new('x', 5000);

        Assert.Equal(line + "\r\n", DecodeWhole(line + "\r\n.\r\n").Output);
    }

    [Fact]
    public void Bytes_after_the_terminator_should_be_left_for_the_next_command()
    {
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        ReadOnlySequence<byte> buffer = Of(Bytes("body\r\n.\r\nMAIL FROM:<x@y.example>\r\n"));

        Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, output));
        Assert.Equal("MAIL FROM:<x@y.example>\r\n", Text(buffer));

        Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, output));
        Assert.Equal("MAIL FROM:<x@y.example>\r\n", Text(buffer));
        Assert.Equal("body\r\n", Text(output.WrittenSpan));
    }

    [Fact]
    public void Split_at_every_position_should_decode_the_same()
    {
        byte[] input = Bytes("Received: from a\r\n\tby b\r\nSubject: x\n\n..dot\r\nmid.dle\rCR\r\n.\n.\r\n.\r\nNOOP\r\n");
        (string expected, string expectedRest, DataDecoder whole) = DecodeWhole(Text(input));
        Assert.Equal("Received: from a\r\n\tby b\r\nSubject: x\r\n\r\n.dot\r\nmid.dle\rCR\r\n\r\n\r\n", expected);
        Assert.Equal("NOOP\r\n", expectedRest);

        for (int position = 1; position < input.Length; position++)
        {
            var decoder = new DataDecoder();
            var output = new ArrayBufferWriter<byte>();
            ReadOnlySequence<byte> buffer = Split(input, position);
            Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, output));
            Assert.Equal((expected, expectedRest), (Text(output.WrittenSpan), Text(buffer)));

            (string output2, string rest2, DataDecoder fed) = DecodeFed(PipeFeeder.TwoChunks(input, position));
            Assert.Equal((expected, expectedRest), (output2, rest2));
            Assert.Equal((whole.ContentLength, whole.ReceivedHeaderCount, whole.InHeaders), (fed.ContentLength, fed.ReceivedHeaderCount, fed.InHeaders));
        }
    }

    [Fact]
    public void Byte_by_byte_should_decode_the_same_and_consume_everything_each_time()
    {
        byte[] input = Bytes("Subject: y\r\n\r\nline\n.\r\n..\r\n\r\n.\r\nRSET\r\n");
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        int i = 0;
        for (; i < input.Length; i++)
        {
            ReadOnlySequence<byte> buffer = Of([input[i]]);
            if (decoder.Decode(ref buffer, output) == DataDecodeStatus.Complete)
            {
                Assert.True(buffer.IsEmpty);
                break;
            }

            Assert.True(buffer.IsEmpty);
        }

        Assert.Equal("Subject: y\r\n\r\nline\r\n\r\n.\r\n\r\n", Text(output.WrittenSpan));
        Assert.Equal("RSET\r\n", Text(input.AsSpan(i + 1)));
    }

    [Fact]
    public void Terminator_split_at_every_position_of_every_call_should_be_found()
    {
        byte[] input = Bytes("x\r\n.\r\n");
        for (int first = 1; first < input.Length; first++)
        {
            for (int second = first + 1; second < input.Length; second++)
            {
                (string output, string rest, DataDecoder decoder) =
                    DecodeFed([input[..first], input[first..second], input[second..]]);

                Assert.Equal(("x\r\n", string.Empty, true), (output, rest, decoder.IsComplete));
            }
        }
    }

    [Fact]
    public void Received_fields_should_be_counted_only_in_the_header_section()
    {
        (_, _, DataDecoder decoder) = DecodeWhole(
            "Received: a\r\nreceived : b\r\nRECEIVED:c\r\n\tReceived: folded\r\nX-Received: no\r\nReceivedX: no\r\nReceive: no\r\n" +
            "Subject: s\r\n\r\nReceived: body\r\n.\r\n");

        Assert.Equal(3, decoder.ReceivedHeaderCount);
        Assert.False(decoder.InHeaders);
    }

    [Fact]
    public void Header_section_should_end_at_an_empty_line_made_of_a_bare_lf()
    {
        (_, _, DataDecoder decoder) = DecodeWhole("Received: a\n\nReceived: b\r\n.\r\n");

        Assert.Equal(1, decoder.ReceivedHeaderCount);
        Assert.False(decoder.InHeaders);
    }

    [Fact]
    public void Header_section_without_an_empty_line_should_still_be_headers()
    {
        (_, _, DataDecoder decoder) = DecodeWhole("Received: a\r\nReceived: b\r\n.\r\n");

        Assert.Equal(2, decoder.ReceivedHeaderCount);
        Assert.True(decoder.InHeaders);
    }

    [Fact]
    public void Received_counting_should_survive_any_split()
    {
        byte[] input = Bytes("Received: a\r\nRECEIVED : b\r\nX: c\r\n\r\nReceived: d\r\n.\r\n");
        for (int position = 1; position < input.Length; position++)
        {
            (_, _, DataDecoder decoder) = DecodeFed(PipeFeeder.TwoChunks(input, position));

            Assert.Equal(2, decoder.ReceivedHeaderCount);
        }
    }

    [Theory]
    [InlineData(0L, "", true)]
    [InlineData(10L, "0123456789", true)]
    [InlineData(24L, "0123456789\r\nabcdefghij\r\n", false)]
    [InlineData(100L, "0123456789\r\nabcdefghij\r\n", false)]
    public void DiscardAfter_should_stop_writing_but_consume_and_count_to_the_end(long limit, string written, bool truncated)
    {
        var decoder = new DataDecoder { DiscardAfter = limit };
        var output = new ArrayBufferWriter<byte>();
        ReadOnlySequence<byte> buffer = Of(Bytes("0123456789\r\nabc"), Bytes("defghij\r\n.\r\nQUIT\r\n"));

        Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, output));
        Assert.Equal(written, Text(output.WrittenSpan));
        Assert.Equal(24, decoder.ContentLength);
        Assert.Equal(truncated, decoder.Truncated);
        Assert.Equal("QUIT\r\n", Text(buffer));
    }

    [Fact]
    public void Negative_DiscardAfter_should_be_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataDecoder(-1));
    }

    [Fact]
    public void Reset_should_prepare_for_the_next_message_and_keep_the_limit()
    {
        var decoder = new DataDecoder(discardAfter: 3);
        ReadOnlySequence<byte> buffer = Of(Bytes("Received: x\r\n\r\nbody\r\n.\r\n"));
        decoder.Decode(ref buffer, new ArrayBufferWriter<byte>());

        decoder.Reset();
        var output = new ArrayBufferWriter<byte>();
        buffer = Of(Bytes("ab\r\n.\r\n"));

        Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, output));
        Assert.Equal("ab\r", Text(output.WrittenSpan));
        Assert.Equal((4L, 0, true, 3L), (decoder.ContentLength, decoder.ReceivedHeaderCount, decoder.InHeaders, decoder.DiscardAfter));
    }

    [Fact]
    public void Ordinary_content_should_be_written_in_one_piece_per_segment()
    {
        string body = string.Concat(Enumerable.Repeat("a line of ordinary text\r\n", 4000));
        var output = new CountingWriter();
        ReadOnlySequence<byte> buffer = Of(Bytes("Subject: s\r\n\r\n" + body), Bytes(body + ".\r\n"));

        Assert.Equal(DataDecodeStatus.Complete, new DataDecoder().Decode(ref buffer, output));
        Assert.Equal(2, output.Writes);
    }

    private static (string Output, string Remaining, DataDecoder Decoder) DecodeWhole(string input)
    {
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        ReadOnlySequence<byte> buffer = Of(Bytes(input));
        decoder.Decode(ref buffer, output);
        return (Text(output.WrittenSpan), Text(buffer), decoder);
    }

    private static (string Output, string Remaining, DataDecoder Decoder) DecodeFed(IEnumerable<byte[]> chunks)
    {
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        byte[] rest = PipeFeeder.Feed(chunks, (ref ReadOnlySequence<byte> buffer) => decoder.Decode(ref buffer, output));
        return (Text(output.WrittenSpan), Text(rest), decoder);
    }

    /// <summary>Counts how often content is handed over; its buffer is large enough for any one write.</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _written;

        public int Writes { get; private set; }

        public void Advance(int count)
        {
            Writes++;
            _written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(_written);
    }
}
