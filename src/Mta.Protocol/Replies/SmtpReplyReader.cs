using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mta.Protocol;

/// <summary>
/// Reads the server's replies on the client side of a connection: single-line and multi-line
/// (<c>250-...</c> continuation) replies, with the enhanced status code recognised when present. Bare LF
/// line ends are accepted. Line length and line count are capped, so a hostile server cannot make the
/// client buffer without bound; exceeding them, or any malformed line, is a protocol error after which
/// the connection should be closed.
/// </summary>
public sealed class SmtpReplyReader
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    private readonly int _maxLineLength;
    private readonly int _maxLines;
    private readonly List<string> _lines = [];
    private int _code;
    private string? _enhancedCode;

    /// <summary>Creates a reader for one connection.</summary>
    /// <param name="maxLineLength">Longest reply line accepted, in octets without the line terminator.</param>
    /// <param name="maxLines">Most lines accepted in one reply.</param>
    public SmtpReplyReader(int maxLineLength = SmtpLimits.ReplyLineOctets, int maxLines = SmtpLimits.ReplyLines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        _maxLineLength = maxLineLength;
        _maxLines = maxLines;
    }

    /// <summary>
    /// Reads the next complete reply, consuming its lines from <paramref name="buffer"/>. Lines of an
    /// unfinished multi-line reply are consumed and kept until its last line arrives.
    /// </summary>
    /// <returns>
    /// True with <paramref name="reply"/> when a reply is complete. False with <paramref name="protocolError"/>
    /// set when the input is not a valid reply; false with both null when more data is needed.
    /// </returns>
    public bool TryRead(
        ref ReadOnlySequence<byte> buffer,
        [NotNullWhen(true)] out SmtpReply? reply,
        out string? protocolError)
    {
        reply = null;
        protocolError = null;
        while (true)
        {
            long window = Math.Min(buffer.Length, (long)_maxLineLength + 2);
            SequencePosition? lineFeed = buffer.Slice(0, window).PositionOf(Lf);
            if (lineFeed is null)
            {
                bool mayStillFit = buffer.Length <= _maxLineLength
                    || (buffer.Length == (long)_maxLineLength + 1 && buffer.Slice(buffer.Length - 1).FirstSpan[0] == Cr);
                if (!mayStillFit)
                {
                    protocolError = $"reply line longer than {_maxLineLength} octets";
                    Clear();
                }

                return false;
            }

            ReadOnlySequence<byte> line = buffer.Slice(0, lineFeed.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, lineFeed.Value));
            if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == Cr)
            {
                line = line.Slice(0, line.Length - 1);
            }

            if (line.Length > _maxLineLength)
            {
                protocolError = $"reply line longer than {_maxLineLength} octets";
                Clear();
                return false;
            }

            protocolError = AddLine(line.IsSingleSegment ? Encoding.UTF8.GetString(line.FirstSpan) : Encoding.UTF8.GetString(line), out bool last);
            if (protocolError is not null)
            {
                Clear();
                return false;
            }

            if (last)
            {
                reply = SmtpReply.Multiline(_code, _enhancedCode, _lines);
                Clear();
                return true;
            }
        }
    }

    /// <summary>Adds one reply line; returns a protocol error or null.</summary>
    private string? AddLine(string line, out bool last)
    {
        last = false;
        if (line.Length < 3 || line[0] is < '2' or > '5' || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]))
        {
            return $"malformed reply line: {Quote(line)}";
        }

        if (line.Length > 3 && line[3] is not (' ' or '-'))
        {
            return $"malformed reply line: {Quote(line)}";
        }

        int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (_lines.Count > 0 && code != _code)
        {
            return $"reply code changed within a multi-line reply: {Quote(line)}";
        }

        if (_lines.Count == _maxLines)
        {
            return $"reply longer than {_maxLines} lines";
        }

        _code = code;
        last = line.Length == 3 || line[3] == ' ';
        string text = line.Length > 4 ? line[4..] : string.Empty;

        // "x.y.z text": take the enhanced code off every line that has one; the first one found counts.
        int space = text.IndexOf(' ');
        ReadOnlySpan<char> candidate = space < 0 ? text : text.AsSpan(0, space);
        if (SmtpReply.IsEnhancedCodeFor(code, candidate))
        {
            _enhancedCode ??= candidate.ToString();
            text = space < 0 ? string.Empty : text[(space + 1)..];
        }

        // A lone CR inside a line cannot be part of reply text.
        _lines.Add(text.Replace('\r', ' '));
        return null;
    }

    private void Clear()
    {
        _lines.Clear();
        _code = 0;
        _enhancedCode = null;
    }

    private static string Quote(string line)
    {
        const int Shown = 80;
        string shown = line.Length > Shown ? line[..Shown] + "..." : line;
        var builder = new StringBuilder(shown.Length + 2).Append('"');
        foreach (char c in shown)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.Append('"').ToString();
    }
}
