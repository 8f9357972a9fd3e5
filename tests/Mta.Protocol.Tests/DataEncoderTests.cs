using System.Buffers;
using System.Text;
using Mta.Protocol.Tests.Support;
using static Mta.Protocol.Tests.Support.Sequences;

namespace Mta.Protocol.Tests;

public sealed class DataEncoderTests
{
    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData("\r\n", "\r\n.\r\n")]
    [InlineData("a\r\nb", "a\r\nb\r\n.\r\n")]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n.\r\n")]
    [InlineData("a\nb\n", "a\r\nb\r\n.\r\n")]
    [InlineData("a\rb", "a\r\nb\r\n.\r\n")]
    [InlineData("a\r\r\n", "a\r\n\r\n.\r\n")]
    [InlineData("a\n\r", "a\r\n\r\n.\r\n")]
    [InlineData(".a\r\n", "..a\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("a\r\n.\r\n", "a\r\n..\r\n.\r\n")]
    [InlineData("a\n.\nMAIL FROM:<x@y>\n", "a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\r.\rb", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("mid.dle\r\n", "mid.dle\r\n.\r\n")]
    public void Content_should_go_out_canonical(string content, string wire)
    {
        Assert.Equal(Escape(wire), Escape(EncodeWhole(content)));
    }

    [Fact]
    public void Line_of_998_octets_should_not_be_folded()
    {
        string line = new('x', 998);

        Assert.Equal(line + "\r\n.\r\n", EncodeWhole(line + "\r\n"));
        Assert.Equal(line + "\r\n.\r\n", EncodeWhole(line));
        Assert.Equal(line + "\r\n.\r\n", EncodeWhole(line + "\n"));
        Assert.Equal(line + "\r\n.\r\n", EncodeWhole(line + "\r"));
    }

    [Fact]
    public void Longer_lines_should_be_folded_every_998_octets()
    {
        string x998 = new('x', 998);

        Assert.Equal(x998 + "\r\nx\r\n.\r\n", EncodeWhole(new string('x', 999)));
        Assert.Equal(x998 + "\r\n" + x998 + "\r\nxxxx\r\n.\r\n", EncodeWhole(new string('x', 2000) + "\r\n"));
    }

    [Fact]
    public void Folded_continuation_starting_with_a_dot_should_be_stuffed()
    {
        string x998 = new('x', 998);

        Assert.Equal(x998 + "\r\n..y\r\n.\r\n", EncodeWhole(x998 + ".y"));
    }

    [Fact]
    public void Stuffed_dot_should_count_towards_the_line_limit()
    {
        string content = "." + new string('x', 997);

        Assert.Equal(".." + new string('x', 996) + "\r\nx\r\n.\r\n", EncodeWhole(content));
    }

    [Fact]
    public void Split_at_every_position_should_encode_the_same()
    {
        byte[] content = Bytes("Subject: s\r\n\r\n.dot\nbare\rcr\r\r\n." + new string('y', 1500) + "\r\n.\r\nend\r");
        string expected = EncodeWhole(Text(content));

        for (int position = 0; position <= content.Length; position++)
        {
            Assert.Equal(expected, Encode([content[..position], content[position..]]));
        }

        Assert.Equal(expected, Encode(PipeFeeder.ByteByByte(content)));
    }

    [Fact]
    public void Cr_ending_one_piece_and_lf_starting_the_next_should_make_one_line_end()
    {
        Assert.Equal("a\r\nb\r\n.\r\n", Encode([Bytes("a\r"), Bytes("\nb")]));
        Assert.Equal("a\r\n\r\nb\r\n.\r\n", Encode([Bytes("a\r"), Bytes("\rb")]));
        Assert.Equal("a\r\n..b\r\n.\r\n", Encode([Bytes("a\r"), [], Bytes(".b")]));
        Assert.Equal("a\r\nb\r\n.\r\n", Encode([Bytes("a\r"), [], Bytes("\nb")]));
    }

    [Fact]
    public void Encoded_then_decoded_content_should_be_the_canonical_form()
    {
        var random = new Random(5321);
        byte[] alphabet = Bytes("ab.. \r\r\n\n\n\t");
        for (int round = 0; round < 200; round++)
        {
            var content = new byte[random.Next(0, 3000)];
            for (int i = 0; i < content.Length; i++)
            {
                content[i] = random.Next(50) == 0 ? (byte)'x' : alphabet[random.Next(alphabet.Length)];
            }

            // Some long runs so that folding happens.
            if (round % 3 == 0 && content.Length > 1200)
            {
                content.AsSpan(100, 1100).Fill((byte)'z');
            }

            string wire = EncodeWhole(Text(content));
            var decoder = new DataDecoder();
            var decoded = new ArrayBufferWriter<byte>();
            ReadOnlySequence<byte> buffer = Of(Bytes(wire));

            Assert.Equal(DataDecodeStatus.Complete, decoder.Decode(ref buffer, decoded));
            Assert.True(buffer.IsEmpty);
            Assert.Equal(Escape(Canonical(Text(content))), Escape(Text(decoded.WrittenSpan)));
            Assert.All(wire.Split("\r\n"), line => Assert.True(line.Length <= 998));
        }
    }

    [Fact]
    public void Canonical_content_should_round_trip_unchanged()
    {
        string content = "From: a@b.example\r\nSubject: hi\r\n\r\n.leading dot\r\n..two\r\n.\r\nlast\r\n";
        var decoder = new DataDecoder();
        var decoded = new ArrayBufferWriter<byte>();
        ReadOnlySequence<byte> buffer = Of(Bytes(EncodeWhole(content)));

        decoder.Decode(ref buffer, decoded);

        Assert.Equal(content, Text(decoded.WrittenSpan));
    }

    [Fact]
    public void Bytes_written_should_count_the_whole_wire_form()
    {
        var encoder = new DataEncoder();
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode(Bytes(".a\nb"), output);
        encoder.Complete(output);

        Assert.Equal(output.WrittenCount, encoder.BytesWritten);
        Assert.Equal("..a\r\nb\r\n.\r\n", Text(output.WrittenSpan));
    }

    [Fact]
    public void Encoder_should_refuse_use_after_completion()
    {
        var encoder = new DataEncoder();
        var output = new ArrayBufferWriter<byte>();
        encoder.Complete(output);

        Assert.Throws<InvalidOperationException>(() => encoder.Encode(Bytes("x"), output));
        Assert.Throws<InvalidOperationException>(() => encoder.Complete(output));
    }

    private static string EncodeWhole(string content) => Encode([Bytes(content)]);

    private static string Encode(IEnumerable<byte[]> pieces)
    {
        var encoder = new DataEncoder();
        var output = new ArrayBufferWriter<byte>();
        foreach (byte[] piece in pieces)
        {
            encoder.Encode(piece, output);
        }

        encoder.Complete(output);
        return Text(output.WrittenSpan);
    }

    /// <summary>
    /// What the receiver should see, computed the plain way: every CRLF, bare CR or bare LF ends a
    /// line, and a line is cut so that on the wire (a leading dot doubled) it has at most 998 octets.
    /// </summary>
    private static string Canonical(string content)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        for (int i = 0; i < content.Length; i++)
        {
            char c = content[i];
            if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < content.Length && content[i + 1] == '\n')
                {
                    i++;
                }

                lines.Add(line.ToString());
                line.Clear();
            }
            else
            {
                line.Append(c);
            }
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        var result = new StringBuilder();
        foreach (string whole in lines)
        {
            string rest = whole;
            do
            {
                int room = rest.StartsWith('.') ? 997 : 998;
                int take = Math.Min(room, rest.Length);
                result.Append(rest, 0, take).Append("\r\n");
                rest = rest[take..];
            }
            while (rest.Length > 0);
        }

        return result.ToString();
    }
}
