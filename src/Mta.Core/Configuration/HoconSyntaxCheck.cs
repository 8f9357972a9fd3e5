using System.Globalization;

namespace Mta.Core.Configuration;

/// <summary>
/// Finds unbalanced braces and brackets, unterminated strings and unquoted ':' or '=' inside lists
/// in HOCON text. Akka.NET's parser accepts "mta { a = 1" without complaint, silently dropping
/// whatever the operator meant to close, and loops forever on "[::1]"; an operator file with such
/// a slip must fail with a line number instead.
/// </summary>
internal static class HoconSyntaxCheck
{
    /// <summary>Returns a description of the first structural problem with its line number, or null.</summary>
    public static string? FindProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                i = SkipToEndOfLine(text, i);
            }
            else if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
            {
                int end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                if (end < 0)
                {
                    return At(line, "a \"\"\" string is never closed");
                }

                // A triple-quoted string ends at its last run of quotes ("""a"""" is a"), so skip them all.
                int after = end + 3;
                while (after < text.Length && text[after] == '"')
                {
                    after++;
                }

                line += CountNewlines(text, i, after);
                i = after;
            }
            else if (c == '"')
            {
                int end = QuotedStringEnd(text, i);
                if (end < 0)
                {
                    return At(line, "a quoted string is not closed on its line");
                }

                i = end + 1;
            }
            else if (c is '{' or '[')
            {
                open.Push((c, line));
                i++;
            }
            else if (c is '}' or ']')
            {
                char expected = c == '}' ? '{' : '[';
                if (open.Count == 0)
                {
                    return At(line, $"'{c}' closes nothing");
                }

                (char bracket, int openedOn) = open.Pop();
                if (bracket != expected)
                {
                    return At(line, string.Create(CultureInfo.InvariantCulture, $"'{c}' does not match the '{bracket}' opened on line {openedOn}"));
                }

                i++;
            }
            else if (c is ':' or '=' && open.Count > 0 && open.Peek().Bracket == '[')
            {
                // Akka.NET's parser never returns on an element such as [::1/128]; stop before it.
                return At(line, $"an unquoted '{c}' inside a list; quote the element, as in [\"::1/128\"]");
            }
            else
            {
                i++;
            }
        }

        if (open.Count > 0)
        {
            (char bracket, int openedOn) = open.Peek();
            return At(openedOn, $"'{bracket}' is never closed");
        }

        return null;
    }

    private static int SkipToEndOfLine(string text, int start)
    {
        int newline = text.IndexOf('\n', start);
        return newline < 0 ? text.Length : newline;
    }

    private static int QuotedStringEnd(string text, int start)
    {
        for (int i = start + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\':
                    i++;
                    break;
                case '"':
                    return i;
                case '\n':
                    return -1;
            }
        }

        return -1;
    }

    private static int CountNewlines(string text, int start, int end) => text.AsSpan(start, end - start).Count('\n');

    private static string At(int line, string problem) => string.Create(CultureInfo.InvariantCulture, $"line {line}: {problem}");
}
