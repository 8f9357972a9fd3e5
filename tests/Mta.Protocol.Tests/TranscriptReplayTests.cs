using System.Buffers;
using System.Text;
using Mta.Protocol.Tests.Support;

namespace Mta.Protocol.Tests;

/// <summary>
/// Whole client transcripts replayed through the library, in the manner of MailKit's replay streams
/// and Postfix's golden files: fed whole, byte by byte, and split in two at every position, both as
/// one multi-segment buffer and as two successive reads, the outcome must be the same.
/// </summary>
public sealed class TranscriptReplayTests
{
    private static readonly string LongLine = new('x', 3000);

    private static readonly string Session =
        "EHLO client.example\r\n" +
        "MAIL FROM:<alice@example.org> SIZE=100 BODY=8BITMIME\r\n" +
        "RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.com\r\n" +
        "rcpt to:<Postmaster>\n" +
        "DATA\r\n" +
        "Received: from a\r\n" +
        "\tby b\r\n" +
        "Subject: test\r\n" +
        "\r\n" +
        "..dot line\r\n" +
        "smuggled\n.\nMAIL FROM:<evil@example.net>\r\n" +
        ".\r\n" +
        "RCPT TO:<carol@example.com>\r\n" +
        "MAIL FROM:<>\r\n" +
        "MAIL FROM:<a@b.example>\r\n" +
        "DATA\r\n" +
        "RCPT TO:<carol@example.com>\r\n" +
        "BDAT 12\r\n" +
        "DATA\r\nQUIT\r\n" +
        "BDAT 3 LAST\r\n" +
        "abc" +
        "NOOP\r\n" +
        LongLine + "\r\n" +
        "XYZZY\r\n" +
        "VRFY  someone  \r\n" +
        "MAIL FROM:<bad address@example.org>\r\n" +
        "HELO\r\n" +
        "STARTTLS\r\n" +
        "QUIT\r\n";

    private static readonly string[] Expected =
    [
        "Ehlo client.example",
        "Mail <alice@example.org> size=100 body=EightBitMime utf8=False",
        "Rcpt <bob@example.com> notify=Success, Failure orcpt=rfc822;bob@example.com",
        "Rcpt <Postmaster> notify=Unspecified orcpt=",
        "Data",
        "MESSAGE Received: from a\\r\\n\tby b\\r\\nSubject: test\\r\\n\\r\\n.dot line\\r\\nsmuggled\\r\\n\\r\\nMAIL FROM:<evil@example.net>\\r\\n received=1",
        "Rcpt: 503 5.5.1 Error: need MAIL command",
        "Mail <> size= body=SevenBit utf8=False",
        "Mail: 503 5.5.1 Error: nested MAIL command",
        "Data: 554 5.5.1 Error: no valid recipients",
        "Rcpt <carol@example.com> notify=Unspecified orcpt=",
        "Bdat 12",
        "Bdat 3 LAST",
        "MESSAGE DATA\\r\\nQUIT\\r\\nabc (chunked)",
        "Noop",
        "500 5.5.2 Error: line too long",
        "502 5.5.2 Error: command not recognized",
        "Vrfy someone",
        "Mail: 501 5.1.7 Bad sender address syntax",
        "Helo: 501 5.5.4 Syntax: HELO hostname",
        "StartTls",
        "Quit",
    ];

    [Fact]
    public void Transcript_fed_whole_should_give_the_expected_events()
    {
        Assert.Equal(Expected, Replay(PipeFeeder.Whole(Transcript())));
    }

    [Fact]
    public void Transcript_fed_byte_by_byte_should_give_the_same_events()
    {
        Assert.Equal(Expected, Replay(PipeFeeder.ByteByByte(Transcript())));
    }

    [Fact]
    public void Transcript_split_at_every_position_should_give_the_same_events()
    {
        byte[] transcript = Transcript();
        for (int position = 1; position < transcript.Length; position++)
        {
            AssertSame(Replay(PipeFeeder.TwoChunks(transcript, position)), $"two reads split at {position}");

            var driver = new TranscriptDriver();
            ReadOnlySequence<byte> buffer = Sequences.Split(transcript, position);
            driver.Consume(ref buffer);
            Assert.True(buffer.IsEmpty);
            AssertSame(driver.Events, $"two segments split at {position}");
        }
    }

    private static byte[] Transcript() => Encoding.UTF8.GetBytes(Session);

    private static List<string> Replay(IEnumerable<byte[]> chunks)
    {
        var driver = new TranscriptDriver();
        byte[] leftover = PipeFeeder.Feed(chunks, driver.Consume);
        Assert.Empty(leftover);
        return driver.Events;
    }

    private static void AssertSame(List<string> actual, string context)
    {
        for (int i = 0; i < Math.Min(Expected.Length, actual.Count); i++)
        {
            Assert.True(Expected[i] == actual[i], $"{context}: event {i} is '{actual[i]}', expected '{Expected[i]}'");
        }

        Assert.True(Expected.Length == actual.Count, $"{context}: {actual.Count} events, expected {Expected.Length}");
    }
}
