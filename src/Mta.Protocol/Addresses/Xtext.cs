using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mta.Protocol;

/// <summary>
/// The xtext encoding of DSN parameters (RFC 3461 section 4): printable ASCII except <c>+</c> and
/// <c>=</c> stands for itself, anything else is <c>+</c> and two upper-case hex digits.
/// </summary>
public static class Xtext
{
    private const string HexDigits = "0123456789ABCDEF";

    /// <summary>
    /// Decodes xtext. Lower-case hex digits are accepted, as Postfix does. Non-ASCII characters are
    /// kept as they are, since under SMTPUTF8 (RFC 6533) a client may send them unencoded.
    /// </summary>
    /// <returns>False when a character is not allowed or a <c>+</c> is not followed by two hex digits.</returns>
    public static bool TryDecode(ReadOnlySpan<char> text, [NotNullWhen(true)] out string? decoded)
    {
        decoded = null;
        if (!text.Contains('+') && IsPlain(text))
        {
            decoded = text.ToString();
            return true;
        }

        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    return false;
                }

                builder.Append((char)(HexValue(text[i + 1]) << 4 | HexValue(text[i + 2])));
                i += 2;
            }
            else if (IsXchar(c))
            {
                builder.Append(c);
            }
            else
            {
                return false;
            }
        }

        decoded = builder.ToString();
        return true;
    }

    /// <summary>
    /// Encodes text as xtext. Non-ASCII characters are left as they are, matching <see cref="TryDecode"/>;
    /// a caller sending to a server without SMTPUTF8 must not pass them.
    /// </summary>
    public static string Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsPlain(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (IsXchar(c))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('+').Append(HexDigits[c >> 4 & 0xF]).Append(HexDigits[c & 0xF]);
            }
        }

        return builder.ToString();
    }

    private static bool IsPlain(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!IsXchar(c))
            {
                return false;
            }
        }

        return true;
    }

    // xchar: "!" through "~" except "+" and "="; non-ASCII passes as RFC 6533 allows under SMTPUTF8.
    private static bool IsXchar(char c) => c >= 0x80 ? !char.IsControl(c) : c is >= '!' and <= '~' and not '+' and not '=';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
