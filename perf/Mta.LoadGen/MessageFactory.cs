using System.Globalization;
using System.Text.Unicode;

namespace Mta.LoadGen;

/// <summary>
/// Pre-builds the bytes of every message: one shared body (with its terminating ".") and, per
/// message, only the few header and command bytes that differ (Message-ID and recipients).
/// </summary>
internal sealed class MessageFactory
{
    /// <summary>Room reserved before the body for the per-message headers.</summary>
    private const int HeaderRoom = 2048;

    private const int LineLength = 76;

    private readonly byte[] bodyWithTerminator;
    private readonly string from;
    private readonly string fromDomain;
    private readonly string rcptDomain;
    private readonly string runId;
    private readonly string date;

    public MessageFactory(LoadGenOptions options, string runId, DateTimeOffset startTime)
    {
        from = options.From;
        var at = from.LastIndexOf('@');
        fromDomain = at >= 0 && at < from.Length - 1 ? from[(at + 1)..] : "loadgen.invalid";
        rcptDomain = options.RcptDomain;
        Recipients = options.Recipients;
        this.runId = runId;
        date = startTime.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        bodyWithTerminator = [.. BuildBody(options.Size), .. ".\r\n"u8];

        // The longest values (largest message number) must fit the reserved room.
        var probe = new byte[HeaderRoom + bodyWithTerminator.Length];
        if (!TryWriteHeaders(probe, long.MaxValue, out _))
        {
            throw new ArgumentException("--from is too long for the message headers");
        }
    }

    public int Recipients { get; }

    /// <summary>Largest command group: MAIL, every RCPT and DATA.</summary>
    public int CommandBufferSize => 64 + from.Length + (Recipients * (40 + rcptDomain.Length));

    /// <summary>A per-session buffer holding the shared body after room for the headers.</summary>
    public byte[] CreateMessageBuffer()
    {
        var buffer = new byte[HeaderRoom + bodyWithTerminator.Length];
        bodyWithTerminator.CopyTo(buffer, HeaderRoom);
        return buffer;
    }

    /// <summary>
    /// Writes the headers of message <paramref name="messageNumber"/> right before the body in
    /// <paramref name="buffer"/> and returns the bytes to send after 354 (headers, body, ".").
    /// </summary>
    public ReadOnlyMemory<byte> PrepareMessage(byte[] buffer, long messageNumber)
    {
        if (!TryWriteHeaders(buffer, messageNumber, out var headerStart))
        {
            throw new InvalidOperationException("Message headers do not fit the reserved room.");
        }

        return buffer.AsMemory(headerStart);
    }

    /// <summary>Writes <c>MAIL FROM</c>, one <c>RCPT TO</c> per recipient and, when asked, <c>DATA</c>.</summary>
    public int WriteCommands(Span<byte> destination, long messageNumber, bool includeData)
    {
        var length = WriteMail(destination);
        for (var recipient = 0; recipient < Recipients; recipient++)
        {
            length += WriteRcpt(destination[length..], messageNumber, recipient);
        }

        if (includeData)
        {
            "DATA\r\n"u8.CopyTo(destination[length..]);
            length += 6;
        }

        return length;
    }

    public int WriteMail(Span<byte> destination) =>
        Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"MAIL FROM:<{from}>\r\n", out var written)
            ? written
            : throw new InvalidOperationException("Command buffer too small.");

    /// <summary>Local parts user0..user99 in turn, so deliveries spread over 100 mailboxes.</summary>
    public int WriteRcpt(Span<byte> destination, long messageNumber, int recipient)
    {
        var mailbox = ((messageNumber * Recipients) + recipient) % 100;
        return Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"RCPT TO:<user{mailbox}@{rcptDomain}>\r\n", out var written)
            ? written
            : throw new InvalidOperationException("Command buffer too small.");
    }

    /// <summary>
    /// A body of exactly <paramref name="size"/> bytes: CRLF-terminated ASCII lines of 76 characters
    /// (the last ones shorter), none starting with a dot, so no dot-stuffing is needed.
    /// </summary>
    internal static byte[] BuildBody(int size)
    {
        var body = new byte[size];
        var position = 0;
        for (var line = 0; position < size; line++)
        {
            var remaining = size - position;
            var lineBytes = Math.Min(LineLength + 2, remaining);

            // Never leave 1 or 2 bytes over: every line needs its CRLF.
            if (remaining - lineBytes is 1 or 2)
            {
                lineBytes -= 3;
            }

            var characters = lineBytes - 2;
            for (var i = 0; i < characters; i++)
            {
                body[position + i] = (byte)('A' + ((line + i) % 26));
            }

            body[position + characters] = (byte)'\r';
            body[position + characters + 1] = (byte)'\n';
            position += lineBytes;
        }

        return body;
    }

    private bool TryWriteHeaders(byte[] buffer, long messageNumber, out int headerStart)
    {
        Span<byte> headers = stackalloc byte[HeaderRoom];
        var fits = Utf8.TryWrite(
            headers,
            CultureInfo.InvariantCulture,
            $"From: <{from}>\r\nTo: undisclosed-recipients:;\r\nSubject: mta-loadgen message {messageNumber}\r\nDate: {date}\r\nMessage-ID: <{messageNumber}.{runId}@{fromDomain}>\r\n\r\n",
            out var written);
        headerStart = HeaderRoom - written;
        if (fits)
        {
            headers[..written].CopyTo(buffer.AsSpan(headerStart));
        }

        return fits;
    }
}
