using System.Collections.ObjectModel;
using System.Text;

namespace Mta.Protocol;

/// <summary>
/// An SMTP reply (RFC 5321 section 4.2) with an optional enhanced status code (RFC 3463), encoded
/// once to its wire form when created so that sending it costs no further work.
/// </summary>
public sealed class SmtpReply
{
    private SmtpReply(int code, string? enhancedCode, string[] lines)
    {
        Code = code;
        EnhancedCode = enhancedCode;
        Lines = new ReadOnlyCollection<string>(lines);
        Encoded = Encode(code, enhancedCode, lines);
    }

    /// <summary>The three-digit reply code.</summary>
    public int Code { get; }

    /// <summary>The enhanced status code such as <c>2.0.0</c>, or null when the reply carries none.</summary>
    public string? EnhancedCode { get; }

    /// <summary>The text of each line, without reply code and enhanced code.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>
    /// The reply as sent: every line starts with the code and <c>-</c> (more lines follow) or a space
    /// (last line), then the enhanced code when there is one, then the text and CRLF.
    /// </summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>2xx or 3xx.</summary>
    public bool IsPositive => Code < 400;

    /// <summary>2xx: the command succeeded.</summary>
    public bool IsPositiveCompletion => Code is >= 200 and < 300;

    /// <summary>3xx: the server waits for more (354 after DATA).</summary>
    public bool IsPositiveIntermediate => Code is >= 300 and < 400;

    /// <summary>4xx: try again later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>5xx: do not repeat the command unchanged.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>Creates a single-line reply.</summary>
    /// <param name="code">Reply code, 200 to 599.</param>
    /// <param name="enhancedCode">Enhanced code <c>c.s.d</c> whose class matches the code's first digit, or null.</param>
    /// <param name="text">The text; must not contain CR or LF.</param>
    /// <exception cref="ArgumentException">A code, enhanced code or text that cannot be sent.</exception>
    public static SmtpReply Create(int code, string? enhancedCode, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Validate(code, enhancedCode);
        ValidateLine(text);
        return new SmtpReply(code, enhancedCode, [text]);
    }

    /// <summary>Creates a multi-line reply with the same code on every line.</summary>
    /// <param name="code">Reply code, 200 to 599.</param>
    /// <param name="enhancedCode">Enhanced code written on every line, or null.</param>
    /// <param name="lines">At least one line of text; none may contain CR or LF.</param>
    /// <exception cref="ArgumentException">A code, enhanced code or line that cannot be sent.</exception>
    public static SmtpReply Multiline(int code, string? enhancedCode, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Validate(code, enhancedCode);
        if (lines.Count == 0)
        {
            throw new ArgumentException("A reply needs at least one line.", nameof(lines));
        }

        var copy = new string[lines.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = lines[i] ?? throw new ArgumentException("A reply line is null.", nameof(lines));
            ValidateLine(copy[i]);
        }

        return new SmtpReply(code, enhancedCode, copy);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is an enhanced status code (RFC 3463: class 2, 4 or 5, subject
    /// and detail of one to three digits) whose class matches the first digit of <paramref name="code"/>.
    /// </summary>
    public static bool IsEnhancedCodeFor(int code, ReadOnlySpan<char> text)
    {
        if (text.Length < 5 || text[0] - '0' != code / 100 || text[0] is not ('2' or '4' or '5') || text[1] != '.')
        {
            return false;
        }

        int subjectDigits = CountDigits(text[2..]);
        if (subjectDigits is < 1 or > 3 || 2 + subjectDigits >= text.Length || text[2 + subjectDigits] != '.')
        {
            return false;
        }

        int detailStart = 3 + subjectDigits;
        int detailDigits = CountDigits(text[detailStart..]);
        return detailDigits is >= 1 and <= 3 && detailStart + detailDigits == text.Length;
    }

    /// <summary>
    /// The reply as one line of text, lines joined by spaces (<c>550 5.1.1 text</c>), the form used in
    /// logs and in the Diagnostic-Code of a delivery status notification.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Code);
        if (EnhancedCode is not null)
        {
            text.Append(' ').Append(EnhancedCode);
        }

        foreach (string line in Lines)
        {
            if (line.Length > 0)
            {
                text.Append(' ').Append(line);
            }
        }

        return text.ToString();
    }

    private static void Validate(int code, string? enhancedCode)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentException($"Reply code {code} is not between 200 and 599.", nameof(code));
        }

        if (enhancedCode is not null && !IsEnhancedCodeFor(code, enhancedCode))
        {
            throw new ArgumentException($"'{enhancedCode}' is not an enhanced status code for reply code {code}.", nameof(enhancedCode));
        }
    }

    private static void ValidateLine(string line)
    {
        // A CR or LF in reply text would let the text forge further replies.
        if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("Reply text must not contain CR or LF.", nameof(line));
        }
    }

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        int count = 0;
        while (count < text.Length && char.IsAsciiDigit(text[count]))
        {
            count++;
        }

        return count;
    }

    private static byte[] Encode(int code, string? enhancedCode, string[] lines)
    {
        // "250-" or "250 ", then "2.0.0 " when present, then the text and CRLF.
        int prefixLength = 4 + (enhancedCode is null ? 0 : enhancedCode.Length + 1);
        int total = 0;
        foreach (string line in lines)
        {
            total += prefixLength + Encoding.UTF8.GetByteCount(line) + 2;
        }

        bool bareLastLine = enhancedCode is null && lines[^1].Length == 0;
        if (bareLastLine)
        {
            total--;
        }

        var bytes = new byte[total];
        Span<byte> rest = bytes;
        for (int i = 0; i < lines.Length; i++)
        {
            bool last = i == lines.Length - 1;
            rest[0] = (byte)('0' + code / 100);
            rest[1] = (byte)('0' + code / 10 % 10);
            rest[2] = (byte)('0' + code % 10);
            rest = rest[3..];
            if (last && bareLastLine)
            {
                // RFC 5321 section 4.2: the space is only written before text.
                "\r\n"u8.CopyTo(rest);
                break;
            }

            rest[0] = last ? (byte)' ' : (byte)'-';
            rest = rest[1..];
            if (enhancedCode is not null)
            {
                rest = rest[Encoding.ASCII.GetBytes(enhancedCode, rest)..];
                rest[0] = (byte)' ';
                rest = rest[1..];
            }

            rest = rest[Encoding.UTF8.GetBytes(lines[i], rest)..];
            "\r\n"u8.CopyTo(rest);
            rest = rest[2..];
        }

        return bytes;
    }
}
