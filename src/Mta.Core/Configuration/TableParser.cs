using System.Globalization;

namespace Mta.Core.Configuration;

/// <summary>A line of a table that could not be used.</summary>
/// <param name="LineNumber">The 1-based line number where the entry starts.</param>
/// <param name="Message">What is wrong, prefixed with the source and line as Postfix words it ("file, line 3: ...").</param>
public sealed record TableError(int LineNumber, string Message);

/// <summary>The entries of a table and the lines that were skipped.</summary>
/// <param name="Entries">Key to value; keys compare ignoring case.</param>
/// <param name="Errors">Malformed lines, in file order; the other lines are still in <paramref name="Entries"/>.</param>
public sealed record TableParseResult(IReadOnlyDictionary<string, string> Entries, IReadOnlyList<TableError> Errors);

/// <summary>
/// Reads tables in Postfix's text format (what postmap reads): <c>key whitespace value</c> lines;
/// a line that starts with whitespace continues the previous entry; <c>#</c> starts a comment only
/// as the first non-blank character of a line; blank lines are ignored. A malformed line is
/// reported and skipped, and the rest of the table still loads.
/// </summary>
public static class TableParser
{
    /// <summary>Parses table text. Never throws for bad content; problems are in <see cref="TableParseResult.Errors"/>.</summary>
    /// <param name="text">The whole table.</param>
    /// <param name="sourceName">The file name or setting shown in error messages.</param>
    public static TableParseResult ParseText(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var firstLines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<TableError>();
        var pending = new PendingEntry();

        int lineNumber = 0;
        foreach (ReadOnlySpan<char> rawLine in text.AsSpan().TrimStart('\uFEFF').EnumerateLines())
        {
            lineNumber++;
            ReadOnlySpan<char> line = rawLine.TrimEnd();
            ReadOnlySpan<char> content = line.TrimStart();
            if (content.IsEmpty || content[0] == '#')
            {
                continue;
            }

            if (content.Length != line.Length)
            {
                if (pending.IsOpen)
                {
                    pending.Continue(content);
                }
                else
                {
                    errors.Add(Error(sourceName, lineNumber, "a line that starts with whitespace must continue an entry, but no entry precedes it"));
                }

                continue;
            }

            Complete(pending, entries, firstLines, errors, sourceName);
            pending.Start(content, lineNumber);
        }

        Complete(pending, entries, firstLines, errors, sourceName);
        return new TableParseResult(entries, errors);
    }

    private static void Complete(PendingEntry pending, Dictionary<string, string> entries, Dictionary<string, int> firstLines, List<TableError> errors, string sourceName)
    {
        if (!pending.IsOpen)
        {
            return;
        }

        (string key, string value, int lineNumber) = pending.Close();
        if (value.Length == 0)
        {
            errors.Add(Error(sourceName, lineNumber, $"expected format: key whitespace value; '{key}' has no value"));
        }
        else if (firstLines.TryGetValue(key, out int firstLine))
        {
            // postmap keeps the first of duplicate entries and warns about the others.
            errors.Add(Error(sourceName, lineNumber, $"duplicate entry '{key}' ignored; the entry on line {firstLine.ToString(CultureInfo.InvariantCulture)} is used"));
        }
        else
        {
            entries.Add(key, value);
            firstLines.Add(key, lineNumber);
        }
    }

    private static TableError Error(string sourceName, int lineNumber, string problem) =>
        new(lineNumber, string.Create(CultureInfo.InvariantCulture, $"{sourceName}, line {lineNumber}: {problem}"));

    /// <summary>The logical line being collected: its key, value so far and starting line.</summary>
    private sealed class PendingEntry
    {
        private readonly System.Text.StringBuilder _value = new();
        private string _key = string.Empty;
        private int _lineNumber;

        public bool IsOpen { get; private set; }

        public void Start(ReadOnlySpan<char> content, int lineNumber)
        {
            int split = content.IndexOfAny(' ', '\t');
            _key = (split < 0 ? content : content[..split]).ToString();
            _value.Clear();
            if (split >= 0)
            {
                _value.Append(content[split..].Trim());
            }

            _lineNumber = lineNumber;
            IsOpen = true;
        }

        public void Continue(ReadOnlySpan<char> content)
        {
            // Postfix joins continuation lines into one logical line; whitespace collapses to one space.
            if (_value.Length > 0)
            {
                _value.Append(' ');
            }

            _value.Append(content);
        }

        public (string Key, string Value, int LineNumber) Close()
        {
            IsOpen = false;
            return (_key, _value.ToString(), _lineNumber);
        }
    }
}
