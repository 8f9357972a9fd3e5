using System.Text;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>Messages the tests send, each with a Message-ID of its own so it can be found again.</summary>
internal static class TestMessages
{
    /// <summary>The envelope sender the tests use.</summary>
    public const string Sender = "sender@client.example";

    /// <summary>A Message-ID no other message has.</summary>
    public static string NewMessageId() => $"<{Guid.NewGuid():N}@client.example>";

    /// <summary>A short text message to <paramref name="to"/>, CRLF line ends, ending with CRLF.</summary>
    public static string Text(string to, string messageId, string body = "Hello from the end-to-end tests.\r\n") =>
        $"From: <{Sender}>\r\nTo: <{to}>\r\nSubject: test\r\nMessage-ID: {messageId}\r\n\r\n{body}";

    /// <summary>A message with every line shape that dot-stuffing and line limits can get wrong.</summary>
    public static string TrickyContent(string to, string messageId) => string.Join("\r\n",
        "Received: from origin.example (origin.example [192.0.2.7]) by relay.example; Sat, 28 Nov 2026 20:00:00 +0000",
        $"From: <{Sender}>",
        $"To: <{to}>",
        "Subject: dots, a long line and 8-bit text",
        $"Message-ID: {messageId}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        ".a line that starts with a dot",
        "..a line that starts with two dots",
        ".",
        "the line above is a single dot; the line below is 1500 octets long",
        new string('x', 1500),
        "Grüße aus Zürich, ☃, 日本語のテキスト",
        "last line") + "\r\n";

    /// <summary>Adds the extra leading dot of RFC 5321 4.5.2 to every line that starts with a dot.</summary>
    public static string DotStuff(string content)
    {
        var stuffed = new StringBuilder(content.Length + 16);
        var lineStart = true;
        foreach (var c in content)
        {
            if (lineStart && c == '.') stuffed.Append('.');
            stuffed.Append(c);
            lineStart = c == '\n';
        }
        return stuffed.ToString();
    }
}
