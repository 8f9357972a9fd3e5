using System.Buffers;

namespace Mta.Protocol;

/// <summary>
/// Splits the command stream of one connection into lines. A line ends at LF; a CR right before
/// the LF is removed, and a bare LF is accepted as Postfix does for command lines. Lines longer
/// than the limit are reported once and then discarded as they arrive, so an endless line never
/// accumulates in memory.
/// </summary>
public sealed class SmtpLineReader
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    private readonly int _maxLineLength;
    private bool _discarding;

    /// <summary>Creates a reader for one connection.</summary>
    /// <param name="maxLineLength">Longest accepted line in octets, without the line terminator.</param>
    public SmtpLineReader(int maxLineLength = SmtpLimits.CommandLineOctets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _maxLineLength = maxLineLength;
    }

    /// <summary>The longest accepted line, in octets without the line terminator.</summary>
    public int MaxLineLength => _maxLineLength;

    /// <summary>
    /// Reads the next line from <paramref name="buffer"/> and advances it past what was consumed.
    /// </summary>
    /// <param name="buffer">Unconsumed input; on return it starts after the consumed bytes.</param>
    /// <param name="line">The line without its terminator when <see cref="LineReadStatus.Line"/> is returned;
    /// it refers to the caller's memory and is valid until the caller releases that.</param>
    /// <returns>
    /// <see cref="LineReadStatus.Line"/> with a line; <see cref="LineReadStatus.LineTooLong"/> once per
    /// over-long line (whatever of it has arrived is consumed); <see cref="LineReadStatus.NeedMoreData"/>
    /// when no complete line is present, in which case a partial line within the limit is left unconsumed.
    /// </returns>
    public LineReadStatus TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        line = default;
        if (_discarding && !SkipDiscardedRemainder(ref buffer))
        {
            return LineReadStatus.NeedMoreData;
        }

        // A line within the limit has its LF at most at index max + 1 (max octets, then CR, then LF),
        // so the search never scans further than that however much is buffered.
        long window = Math.Min(buffer.Length, (long)_maxLineLength + 2);
        SequencePosition? lineFeed = buffer.Slice(0, window).PositionOf(Lf);
        if (lineFeed is { } end)
        {
            ReadOnlySequence<byte> content = buffer.Slice(0, end);
            buffer = buffer.Slice(buffer.GetPosition(1, end));
            if (content.Length > 0 && LastByte(content) == Cr)
            {
                content = content.Slice(0, content.Length - 1);
            }

            if (content.Length > _maxLineLength)
            {
                return LineReadStatus.LineTooLong;
            }

            line = content;
            return LineReadStatus.Line;
        }

        bool mayStillFit = buffer.Length <= _maxLineLength
            || (buffer.Length == (long)_maxLineLength + 1 && LastByte(buffer) == Cr);
        if (mayStillFit)
        {
            return LineReadStatus.NeedMoreData;
        }

        _discarding = true;
        SkipDiscardedRemainder(ref buffer);
        return LineReadStatus.LineTooLong;
    }

    /// <summary>Forgets any partly discarded line, as needed after the TLS handshake.</summary>
    public void Reset() => _discarding = false;

    /// <summary>Consumes the rest of an over-long line; true when its LF was found.</summary>
    private bool SkipDiscardedRemainder(ref ReadOnlySequence<byte> buffer)
    {
        SequencePosition? lineFeed = buffer.PositionOf(Lf);
        if (lineFeed is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        buffer = buffer.Slice(buffer.GetPosition(1, lineFeed.Value));
        _discarding = false;
        return true;
    }

    private static byte LastByte(in ReadOnlySequence<byte> sequence) =>
        sequence.Slice(sequence.Length - 1).FirstSpan[0];
}
