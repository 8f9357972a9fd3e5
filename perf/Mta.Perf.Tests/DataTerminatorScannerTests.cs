using System.Text;
using Mta.Sink;

namespace Mta.Perf.Tests;

public class DataTerminatorScannerTests
{
    /// <summary>Bodies followed by what comes after them; the expected end is the length of the body part.</summary>
    public static TheoryData<string, string> Bodies => new()
    {
        { ".\r\n", "MAIL FROM:<a@b>\r\n" },
        { "Subject: x\r\n\r\nhello\r\n.\r\n", "" },
        { "line\r\n..dot-stuffed\r\n.\r\n", "QUIT\r\n" },
        { "a\r\n.x\r\n.\r\r\n.\r\n", "" },
        { "a\r\r\n.\r\n", "RSET\r\n" },
        { "no final CR.\r\n\r\n.\r\n", "" },
        { "bare\n.\nlf\r\n.\r\n", "" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Finds_the_end_in_one_piece(string body, string after)
    {
        var scanner = new DataTerminatorScanner();
        Assert.True(scanner.TryFindEnd(Encoding.ASCII.GetBytes(body + after), out var consumed));
        Assert.Equal(body.Length, consumed);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Finds_the_end_fed_byte_by_byte(string body, string after)
    {
        var bytes = Encoding.ASCII.GetBytes(body + after);
        var scanner = new DataTerminatorScanner();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (scanner.TryFindEnd(bytes.AsSpan(i, 1), out var consumed))
            {
                Assert.Equal(1, consumed);
                Assert.Equal(body.Length, i + 1);
                return;
            }
        }

        Assert.Fail("the terminator was not found");
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Finds_the_end_at_every_split_point(string body, string after)
    {
        var bytes = Encoding.ASCII.GetBytes(body + after);
        for (var split = 0; split <= body.Length; split++)
        {
            var scanner = new DataTerminatorScanner();
            if (scanner.TryFindEnd(bytes.AsSpan(0, split), out var consumed))
            {
                Assert.Equal(body.Length, consumed);
                continue;
            }

            Assert.Equal(split, consumed);
            Assert.True(scanner.TryFindEnd(bytes.AsSpan(split), out consumed), $"split at {split}");
            Assert.Equal(body.Length, split + consumed);
        }
    }

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("a line\r\n.. stuffed\r\n")]
    [InlineData(".x\r\n")]
    [InlineData("text\r\n.")]
    [InlineData("text\r\n.\r")]
    [InlineData("text\n.\n")]
    public void Does_not_end_before_the_terminator(string text)
    {
        var scanner = new DataTerminatorScanner();
        Assert.False(scanner.TryFindEnd(Encoding.ASCII.GetBytes(text), out var consumed));
        Assert.Equal(text.Length, consumed);
    }
}
