using System.Buffers;

namespace Mta.Protocol;

/// <summary>
/// Decodes the content of one DATA command as it streams in: removes dot-stuffing, turns bare LF line
/// ends into CRLF (Postfix's <c>smtpd_forbid_bare_newline = normalize</c>), and stops at the end of
/// data. The only end of data is CRLF "." CRLF, where the first CRLF may be the one that ended the DATA
/// command; every variant used for SMTP smuggling (LF.LF, CR.CR, LF.CRLF, CRLF.LF, ...) is content.
/// Content is written in runs as large as the input allows, never held whole in memory.
/// </summary>
public sealed class DataDecoder
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';

    private long? _discardAfter;
    private Position _position;
    private readonly HeaderScanner _headers = new();

    /// <summary>Creates a decoder for one message.</summary>
    /// <param name="discardAfter">See <see cref="DiscardAfter"/>.</param>
    public DataDecoder(long? discardAfter = null)
    {
        DiscardAfter = discardAfter;
        Reset();
    }

    // Where the decoder stands in the input between two bytes.
    private enum Position
    {
        // Start of a line that followed CRLF (or the DATA command): "." CRLF here ends the data.
        LineStartAfterCrlf,

        // Start of a line that followed a bare LF: a leading dot is removed, but nothing ends here.
        LineStartAfterBareLf,
        InLine,

        // Inside a line right after a CR, which has already been written: an LF now ends the line.
        InLineAfterCr,

        // A dot at the start of a line after CRLF, removed.
        DotAfterCrlf,

        // A dot and a CR after CRLF; the CR is held back until the next byte tells whether this is the end.
        DotCrAfterCrlf,
        Complete,
    }

    /// <summary>
    /// When set, output stops once this many octets have been written; the rest of the message is still
    /// consumed to the end of data and counted, so an over-size message can be refused without storing it.
    /// Kept by <see cref="Reset"/>.
    /// </summary>
    public long? DiscardAfter
    {
        get => _discardAfter;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "DiscardAfter must not be negative.");
            }

            _discardAfter = value;
        }
    }

    /// <summary>Octets of decoded content so far, including any not written because of <see cref="DiscardAfter"/>.</summary>
    public long ContentLength { get; private set; }

    /// <summary>Number of header fields named Received (any case) in the header section.</summary>
    public int ReceivedHeaderCount => _headers.ReceivedHeaderCount;

    /// <summary>Whether the decoded content is still in the header section (before the first empty line).</summary>
    public bool InHeaders => _headers.InHeaders;

    /// <summary>Whether content beyond <see cref="DiscardAfter"/> was dropped.</summary>
    public bool Truncated => _discardAfter is { } limit && ContentLength > limit;

    /// <summary>Whether the end of data has been seen.</summary>
    public bool IsComplete => _position == Position.Complete;

    /// <summary>Prepares the decoder for the next message, keeping <see cref="DiscardAfter"/>.</summary>
    public void Reset()
    {
        _position = Position.LineStartAfterCrlf;
        _headers.Reset();
        ContentLength = 0;
    }

    /// <summary>
    /// Decodes as much of <paramref name="input"/> as possible into <paramref name="output"/>.
    /// </summary>
    /// <param name="input">Bytes received after the DATA command line. On return it starts after the
    /// consumed bytes: empty on <see cref="DataDecodeStatus.NeedMoreData"/>; on
    /// <see cref="DataDecodeStatus.Complete"/>, the bytes after the end of data (pipelined commands).</param>
    /// <param name="output">Receives the decoded content with CRLF line ends.</param>
    public DataDecodeStatus Decode(ref ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_position == Position.Complete)
        {
            return DataDecodeStatus.Complete;
        }

        long consumed = 0;
        foreach (ReadOnlyMemory<byte> segment in input)
        {
            consumed += DecodeSegment(segment.Span, output);
            if (_position == Position.Complete)
            {
                input = input.Slice(consumed);
                return DataDecodeStatus.Complete;
            }
        }

        input = input.Slice(input.End);
        return DataDecodeStatus.NeedMoreData;
    }

    /// <summary>Decodes one span; returns how many of its bytes were consumed.</summary>
    private int DecodeSegment(ReadOnlySpan<byte> span, IBufferWriter<byte> output)
    {
        // Bytes from runStart up to i pass through unchanged and are written together.
        int runStart = 0;
        int i = 0;
        while (i < span.Length)
        {
            switch (_position)
            {
                case Position.InLine:
                    int lineEnd = span[i..].IndexOfAny(Cr, Lf);
                    if (lineEnd < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += lineEnd;
                    if (span[i] == Cr)
                    {
                        _position = Position.InLineAfterCr;
                        i++;
                    }
                    else
                    {
                        WriteBareLineFeed(span, ref runStart, ref i, output);
                    }

                    break;

                case Position.InLineAfterCr:
                    if (span[i] == Lf)
                    {
                        _position = Position.LineStartAfterCrlf;
                        i++;
                    }
                    else if (span[i] == Cr)
                    {
                        // The previous CR stays content as it is; this one may still start a CRLF.
                        i++;
                    }
                    else
                    {
                        _position = Position.InLine;
                    }

                    break;

                case Position.LineStartAfterCrlf:
                case Position.LineStartAfterBareLf:
                    if (span[i] == Dot)
                    {
                        Emit(span[runStart..i], output);
                        i++;
                        runStart = i;
                        _position = _position == Position.LineStartAfterCrlf ? Position.DotAfterCrlf : Position.InLine;
                    }
                    else
                    {
                        _position = Position.InLine;
                    }

                    break;

                case Position.DotAfterCrlf:
                    if (span[i] == Cr)
                    {
                        i++;
                        runStart = i;
                        _position = Position.DotCrAfterCrlf;
                    }
                    else
                    {
                        // ".x" or "." with a bare LF: an ordinary line once the dot is gone.
                        _position = Position.InLine;
                    }

                    break;

                case Position.DotCrAfterCrlf:
                    if (span[i] == Lf)
                    {
                        _position = Position.Complete;
                        return i + 1;
                    }

                    // ".\rX": the held-back CR is content after all.
                    Emit("\r"u8, output);
                    _position = Position.InLine;
                    break;
            }
        }

        Emit(span[runStart..], output);
        return span.Length;
    }

    private void WriteBareLineFeed(ReadOnlySpan<byte> span, ref int runStart, ref int i, IBufferWriter<byte> output)
    {
        Emit(span[runStart..i], output);
        Emit("\r"u8, output);
        runStart = i;
        i++;
        _position = Position.LineStartAfterBareLf;
    }

    private void Emit(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        if (content.IsEmpty)
        {
            return;
        }

        if (_headers.InHeaders)
        {
            _headers.Scan(content);
        }

        long room = _discardAfter is { } limit ? limit - ContentLength : long.MaxValue;
        if (room >= content.Length)
        {
            output.Write(content);
        }
        else if (room > 0)
        {
            output.Write(content[..(int)room]);
        }

        ContentLength += content.Length;
    }
}
