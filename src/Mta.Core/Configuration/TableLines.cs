namespace Mta.Core.Configuration;

/// <summary>Finds where an entry is written in a table file, for error messages.</summary>
internal static class TableLines
{
    /// <summary>
    /// The 1-based line where <paramref name="key"/> starts an entry in Postfix table text (the first
    /// such line, as postmap keeps the first of duplicates), or null when no line does.
    /// </summary>
    public static int? LineOf(string text, string key)
    {
        int lineNumber = 0;
        foreach (ReadOnlySpan<char> line in text.AsSpan().TrimStart('\uFEFF').EnumerateLines())
        {
            lineNumber++;

            // Entries start in the first column; indented lines continue the previous entry.
            if (line.IsEmpty || char.IsWhiteSpace(line[0]) || line[0] == '#')
            {
                continue;
            }

            int split = line.IndexOfAny(' ', '\t');
            ReadOnlySpan<char> lineKey = split < 0 ? line.TrimEnd() : line[..split];
            if (lineKey.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return lineNumber;
            }
        }

        return null;
    }
}
