namespace Mta.Sink;

/// <summary>
/// Finds the end of DATA, a line holding only "." (CRLF "." CRLF), in a body that arrives in
/// pieces of any size. The state carries over between pieces, so a terminator split across reads
/// is still found; the body itself is never kept.
/// </summary>
internal struct DataTerminatorScanner
{
    private State state;

    /// <summary>A scanner positioned at the start of the body (which begins a line).</summary>
    public DataTerminatorScanner() => state = State.LineStart;

    private enum State : byte
    {
        /// <summary>Just after CRLF (or at the start of the body).</summary>
        LineStart,

        /// <summary>A "." at the start of a line.</summary>
        Dot,

        /// <summary>".\r" at the start of a line.</summary>
        DotCr,

        /// <summary>Inside a line.</summary>
        Middle,

        /// <summary>A "\r" inside a line: a following "\n" ends the line.</summary>
        Cr,
    }

    /// <summary>
    /// Scans <paramref name="data"/>. Returns true when the terminator ends inside it, with
    /// <paramref name="consumed"/> the number of bytes up to and including the terminator's LF;
    /// otherwise every byte was consumed and the state is kept for the next piece.
    /// </summary>
    public bool TryFindEnd(ReadOnlySpan<byte> data, out int consumed)
    {
        var position = 0;
        while (position < data.Length)
        {
            if (state == State.Middle)
            {
                // Most of a body is line content: jump straight to the next CR (vectorised search).
                var cr = data[position..].IndexOf((byte)'\r');
                if (cr < 0)
                {
                    break;
                }

                position += cr + 1;
                state = State.Cr;
                continue;
            }

            var current = data[position++];
            switch (state)
            {
                case State.LineStart:
                    state = current switch { (byte)'.' => State.Dot, (byte)'\r' => State.Cr, _ => State.Middle };
                    break;
                case State.Dot:
                    state = current == (byte)'\r' ? State.DotCr : State.Middle;
                    break;
                case State.DotCr when current == (byte)'\n':
                    consumed = position;
                    state = State.LineStart;
                    return true;
                default:
                    // Cr, or DotCr not followed by LF: a CR LF pair ends an ordinary line.
                    state = current switch { (byte)'\n' when state == State.Cr => State.LineStart, (byte)'\r' => State.Cr, _ => State.Middle };
                    break;
            }
        }

        consumed = data.Length;
        return false;
    }
}
