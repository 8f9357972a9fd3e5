using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Mta.Protocol;

/// <summary>
/// Turns a command line (without its line terminator) into an <see cref="SmtpCommand"/>. It never
/// throws and allocates only the argument string, and nothing for commands without an argument.
/// </summary>
public static class SmtpCommandParser
{
    // Verbs packed little-endian into an integer with every letter lower-cased, so one integer
    // compare matches a verb in any case. OR-ing 0x20 into a byte yields a lower-case letter only
    // when the byte was that letter in either case, so no other byte can collide.
    private const uint CaseFold4 = 0x20202020;
    private const ulong CaseFold8 = 0x2020202020202020;
    private const uint Helo = (uint)('h' | 'e' << 8 | 'l' << 16 | 'o' << 24);
    private const uint Ehlo = (uint)('e' | 'h' << 8 | 'l' << 16 | 'o' << 24);
    private const uint Mail = (uint)('m' | 'a' << 8 | 'i' << 16 | 'l' << 24);
    private const uint Rcpt = (uint)('r' | 'c' << 8 | 'p' << 16 | 't' << 24);
    private const uint Data = (uint)('d' | 'a' << 8 | 't' << 16 | 'a' << 24);
    private const uint Bdat = (uint)('b' | 'd' << 8 | 'a' << 16 | 't' << 24);
    private const uint Rset = (uint)('r' | 's' << 8 | 'e' << 16 | 't' << 24);
    private const uint Noop = (uint)('n' | 'o' << 8 | 'o' << 16 | 'p' << 24);
    private const uint Quit = (uint)('q' | 'u' << 8 | 'i' << 16 | 't' << 24);
    private const uint Vrfy = (uint)('v' | 'r' << 8 | 'f' << 16 | 'y' << 24);
    private const uint Expn = (uint)('e' | 'x' << 8 | 'p' << 16 | 'n' << 24);
    private const uint HelpVerb = (uint)('h' | 'e' << 8 | 'l' << 16 | 'p' << 24);
    private const uint Auth = (uint)('a' | 'u' << 8 | 't' << 16 | 'h' << 24);
    private const ulong StartTls = Start | (ulong)Tls << 32;
    private const uint Start = (uint)('s' | 't' << 8 | 'a' << 16 | 'r' << 24);
    private const uint Tls = (uint)('t' | 't' << 8 | 'l' << 16 | 's' << 24);

    // A multi-segment line is copied to the stack up to this size, to a pooled array beyond it.
    private const int StackCopyLimit = 512;

    // Lines come from SmtpLineReader and are far shorter; anything this long is refused unread.
    private const int LongestParsedLine = 64 * 1024;

    /// <summary>Parses a line that may span several buffer segments.</summary>
    public static SmtpCommand Parse(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return Parse(line.FirstSpan);
        }

        if (line.Length > LongestParsedLine)
        {
            return Failure(Replies.LineTooLong);
        }

        int length = (int)line.Length;
        if (length <= StackCopyLimit)
        {
            Span<byte> copy = stackalloc byte[length];
            line.CopyTo(copy);
            return Parse(copy);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> copy = rented.AsSpan(0, length);
            line.CopyTo(copy);
            return Parse(copy);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Parses a line held in one span.</summary>
    public static SmtpCommand Parse(ReadOnlySpan<byte> line)
    {
        if (line.Contains((byte)0))
        {
            return Failure(Replies.NulCharacter);
        }

        if (!Utf8.IsValid(line))
        {
            return Failure(Replies.BadUtf8);
        }

        // Postfix splits commands on white space, so leading and repeated blanks are tolerated.
        ReadOnlySpan<byte> rest = TrimBlanks(line);
        if (rest.IsEmpty)
        {
            return Failure(Replies.BadSyntax);
        }

        int verbLength = rest.IndexOfAny((byte)' ', (byte)'\t');
        if (verbLength < 0)
        {
            verbLength = rest.Length;
        }

        SmtpVerb verb = Identify(rest[..verbLength]);
        if (verb == SmtpVerb.Unknown)
        {
            return Failure(Replies.UnknownCommand);
        }

        ReadOnlySpan<byte> argument = TrimBlanks(rest[verbLength..]);
        return new SmtpCommand(verb, argument.IsEmpty ? string.Empty : Encoding.UTF8.GetString(argument));
    }

    private static SmtpVerb Identify(ReadOnlySpan<byte> verb)
    {
        switch (verb.Length)
        {
            case 4:
                return (BinaryPrimitives.ReadUInt32LittleEndian(verb) | CaseFold4) switch
                {
                    Helo => SmtpVerb.Helo,
                    Ehlo => SmtpVerb.Ehlo,
                    Mail => SmtpVerb.Mail,
                    Rcpt => SmtpVerb.Rcpt,
                    Data => SmtpVerb.Data,
                    Bdat => SmtpVerb.Bdat,
                    Rset => SmtpVerb.Rset,
                    Noop => SmtpVerb.Noop,
                    Quit => SmtpVerb.Quit,
                    Vrfy => SmtpVerb.Vrfy,
                    Expn => SmtpVerb.Expn,
                    HelpVerb => SmtpVerb.Help,
                    Auth => SmtpVerb.Auth,
                    _ => SmtpVerb.Unknown,
                };
            case 8:
                return (BinaryPrimitives.ReadUInt64LittleEndian(verb) | CaseFold8) == StartTls
                    ? SmtpVerb.StartTls
                    : SmtpVerb.Unknown;
            default:
                return SmtpVerb.Unknown;
        }
    }

    private static ReadOnlySpan<byte> TrimBlanks(ReadOnlySpan<byte> text) => text.Trim(" \t"u8);

    private static SmtpCommand Failure(SmtpReply error) => new(SmtpVerb.Unknown, string.Empty, error);
}
