namespace Mta.Protocol;

/// <summary>
/// Follows the header section of message content, fed in pieces of any size, to count the
/// Received fields (for the hop count limit) and notice where the headers end. Only the first
/// bytes of each line are looked at; the rest of a line is skipped with a vectorised search.
/// Used for DATA (after dot-unstuffing) and for BDAT chunks alike.
/// </summary>
public sealed class HeaderScanner
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    private State _state = State.LineStart;
    private int _nameMatched;

    private enum State
    {
        LineStart,
        LineStartCr,
        Name,
        AfterName,
        RestOfLine,
    }

    /// <summary>Header fields named Received (any case) seen so far.</summary>
    public int ReceivedHeaderCount { get; private set; }

    /// <summary>False once the empty line that ends the header section has been seen.</summary>
    public bool InHeaders { get; private set; } = true;

    /// <summary>Starts over for a new message.</summary>
    public void Reset()
    {
        _state = State.LineStart;
        _nameMatched = 0;
        ReceivedHeaderCount = 0;
        InHeaders = true;
    }

    /// <summary>Looks at the next piece of content.</summary>
    public void Scan(ReadOnlySpan<byte> content)
    {
        ReadOnlySpan<byte> received = "received"u8;
        var i = 0;
        while (i < content.Length && InHeaders)
        {
            var b = content[i];
            switch (_state)
            {
                case State.LineStart:
                    if (b == Lf)
                    {
                        InHeaders = false;
                        break;
                    }

                    // OR 0x20 folds only 'R' onto 'r'; a blank (continuation line) or anything else ends the match.
                    _state = b == Cr ? State.LineStartCr
                        : (b | 0x20) == 'r' ? State.Name
                        : State.RestOfLine;
                    _nameMatched = 1;
                    i++;
                    break;

                case State.LineStartCr:
                    if (b == Lf)
                    {
                        InHeaders = false;
                    }
                    else
                    {
                        _state = State.RestOfLine;
                    }

                    break;

                case State.Name:
                    if ((b | 0x20) != received[_nameMatched])
                    {
                        _state = State.RestOfLine;
                        break;
                    }

                    i++;
                    if (++_nameMatched == received.Length)
                    {
                        _state = State.AfterName;
                    }

                    break;

                case State.AfterName:
                    if (b == ':')
                    {
                        ReceivedHeaderCount++;
                        _state = State.RestOfLine;
                        i++;
                    }
                    else if (b is (byte)' ' or (byte)'\t')
                    {
                        i++;
                    }
                    else
                    {
                        _state = State.RestOfLine;
                    }

                    break;

                case State.RestOfLine:
                    var lineEnd = content[i..].IndexOf(Lf);
                    if (lineEnd < 0)
                    {
                        return;
                    }

                    i += lineEnd + 1;
                    _state = State.LineStart;
                    break;
            }
        }
    }
}
