using System.Buffers;

namespace Mta.Protocol;

/// <summary>
/// Encodes one message for DATA when delivering onward. Whatever the stored content holds, the wire
/// form is canonical: every line ends in CRLF (a bare LF or bare CR becomes CRLF), every line that
/// starts with "." gets another "." (RFC 5321 section 4.5.2), and a line longer than 998 octets on the
/// wire is folded by inserting CRLF, so nothing in the content can end the data early or smuggle a
/// command. Content may be passed in pieces split anywhere.
/// </summary>
public sealed class DataEncoder
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';
    private const int MaxLineOctets = SmtpLimits.TextLineOctets;

    // Octets written on the current wire line, stuffed dot included; 0 at the start of a line.
    private int _column;

    // The previous piece ended with a CR, already sent as CRLF; an LF opening the next piece belongs to it.
    private bool _lineFeedOwedToCr;
    private bool _completed;

    /// <summary>Octets written to the output so far, terminator included once <see cref="Complete"/> ran.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Encodes the next piece of content.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Encode(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_completed)
        {
            throw new InvalidOperationException("The message has already been completed.");
        }

        int i = 0;
        if (_lineFeedOwedToCr && !content.IsEmpty)
        {
            _lineFeedOwedToCr = false;
            if (content[0] == Lf)
            {
                i = 1;
            }
        }

        // Bytes from runStart up to i pass through unchanged and are written together.
        int runStart = i;
        while (i < content.Length)
        {
            if (_column == 0 && content[i] == Dot)
            {
                Write(content[runStart..i], output);
                Write("."u8, output);
                runStart = i;
                _column = 1;
            }

            // A line end may follow the last octet that fits, so look one byte further than the room left.
            int room = MaxLineOctets - _column;
            int remaining = content.Length - i;
            int lineEnd = content.Slice(i, Math.Min(room + 1, remaining)).IndexOfAny(Cr, Lf);
            if (lineEnd < 0)
            {
                int taken = Math.Min(room, remaining);
                i += taken;
                _column += taken;
                if (i < content.Length)
                {
                    // The line goes on past the limit: fold it here.
                    Write(content[runStart..i], output);
                    Write("\r\n"u8, output);
                    runStart = i;
                    _column = 0;
                }

                continue;
            }

            i += lineEnd;
            if (content[i] == Lf)
            {
                Write(content[runStart..i], output);
                Write("\r"u8, output);
                runStart = i;
                i++;
            }
            else if (i + 1 < content.Length && content[i + 1] == Lf)
            {
                i += 2;
            }
            else
            {
                // A bare CR, or a CR at the end of this piece whose LF may open the next one.
                i++;
                Write(content[runStart..i], output);
                Write("\n"u8, output);
                runStart = i;
                _lineFeedOwedToCr = i == content.Length;
            }

            _column = 0;
        }

        Write(content[runStart..], output);
    }

    /// <summary>Ends the message: CRLF if the content did not end with a line end, then "." CRLF.</summary>
    /// <exception cref="InvalidOperationException">When called twice.</exception>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_completed)
        {
            throw new InvalidOperationException("The message has already been completed.");
        }

        _completed = true;
        if (_column > 0)
        {
            Write("\r\n"u8, output);
        }

        Write(".\r\n"u8, output);
    }

    private void Write(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (!bytes.IsEmpty)
        {
            output.Write(bytes);
            BytesWritten += bytes.Length;
        }
    }
}
