using MimeKit;

namespace Mta.Core.Bounce;

/// <summary>
/// The third part of a notification: the original message, whole (message/rfc822) or its headers only
/// (text/rfc822-headers, RFC 6522). At most the size cap plus one octet is read from the original, so a message of any
/// size costs no more memory than the cap.
/// </summary>
internal static class ReturnedOriginal
{
    private const int ReadChunk = 16 * 1024;

    /// <summary>The part to attach.</summary>
    /// <param name="original">The original message as stored, positioned at its first header; it is read, not disposed.</param>
    /// <param name="whole">Whether the whole message is wanted; it is returned whole only when it fits <paramref name="maxBytes"/>.</param>
    /// <param name="maxBytes">The size cap.</param>
    /// <param name="undelivered">Whether the message was not delivered (failures and delays), which Postfix says in the description.</param>
    public static MimeEntity Create(Stream original, bool whole, int maxBytes, bool undelivered)
    {
        var prefix = ReadPrefix(original, maxBytes + 1L);
        var complete = prefix.Count <= maxBytes;
        var description = undelivered ? "Undelivered Message" : "Message";
        try
        {
            return whole && complete
                ? Whole(prefix, description)
                : HeadersOnly(prefix, complete, maxBytes, description + " Headers");
        }
        catch (FormatException)
        {
            return Unavailable(description);
        }
    }

    private static MimeEntity Whole(ArraySegment<byte> message, string description)
    {
        var parsed = new MimeParser(AsStream(message), MimeFormat.Default).ParseMessage();
        var part = new MessagePart("rfc822") { Message = parsed };
        Describe(part, description, message);
        return part;
    }

    private static MimeEntity HeadersOnly(ArraySegment<byte> prefix, bool complete, int maxBytes, string description)
    {
        var headerBlock = prefix[..HeaderBlockLength(prefix, complete, maxBytes)];
        var headers = new MimeParser(AsStream(headerBlock), MimeFormat.Default).ParseHeaders();
        if (headers.Count == 0) throw new FormatException("The original message has no header fields.");
        var part = new TextRfc822Headers { Message = new MimeMessage(headers) };
        Describe(part, description, headerBlock);
        return part;
    }

    /// <summary>Postfix's placeholder when the original cannot be read as a message.</summary>
    private static MimeEntity Unavailable(string description)
    {
        var part = new TextPart("plain") { Text = "\t--- " + description + " unavailable ---\r\n" };
        Describe(part, description, ReadOnlySpan<byte>.Empty);
        return part;
    }

    /// <summary>
    /// How much of the prefix is the header block to return: up to and including the empty line that ends it; or, when
    /// the cap cuts the headers, up to the last field that ends inside the cap, so no field is returned half.
    /// </summary>
    private static int HeaderBlockLength(ReadOnlySpan<byte> prefix, bool complete, int maxBytes)
    {
        var window = Math.Min(prefix.Length, maxBytes);
        for (var i = 0; i < window; i++)
        {
            if (prefix[i] != (byte)'\n') continue;
            if (i + 1 < window && prefix[i + 1] == (byte)'\n') return i + 2;
            if (i + 2 < window && prefix[i + 1] == (byte)'\r' && prefix[i + 2] == (byte)'\n') return i + 3;
        }
        if (complete) return window;
        // The octet after the window exists (the prefix holds one more than the cap) and tells whether a field continues.
        for (var end = window; end > 0; end--)
        {
            if (prefix[end - 1] == (byte)'\n' && prefix[end] is not (byte)' ' and not (byte)'\t') return end;
        }
        return 0;
    }

    /// <summary>Content-Description first, as Postfix writes it; 8bit declared when the returned octets need it (RFC 2046 forbids encoding message/rfc822).</summary>
    private static void Describe(MimeEntity part, string description, ReadOnlySpan<byte> content)
    {
        part.Headers.Insert(0, new Header(HeaderId.ContentDescription, description));
        if (part is MessagePart && content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            part.Headers.Add(HeaderId.ContentTransferEncoding, "8bit");
    }

    private static MemoryStream AsStream(ArraySegment<byte> bytes) =>
        new(bytes.Array!, bytes.Offset, bytes.Count, writable: false);

    private static ArraySegment<byte> ReadPrefix(Stream original, long limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[(int)Math.Min(ReadChunk, limit)];
        while (buffer.Length < limit)
        {
            var read = original.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length));
            if (read == 0) break;
            buffer.Write(chunk, 0, read);
        }
        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
