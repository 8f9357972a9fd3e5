namespace Mta.Tls.Policy;

/// <summary>One entry of a parsed table: its key and value as written, and the parsed value or what is wrong with it.</summary>
internal sealed record PolicyTableEntry<T>(string Key, string Written, T? Value, TlsPolicyError? Error);

/// <summary>
/// A table as its owner currently holds it, with keys folded to lower case and every value parsed
/// once. Rebuilt only when the owner hands over a different dictionary.
/// </summary>
internal sealed class PolicyTable<T>
{
    private readonly Dictionary<string, PolicyTableEntry<T>> entries;

    private PolicyTable(IReadOnlyDictionary<string, string> source, Dictionary<string, PolicyTableEntry<T>> entries, IReadOnlyList<TlsPolicyError> errors)
    {
        Source = source;
        this.entries = entries;
        Errors = errors;
    }

    /// <summary>The dictionary this table was built from.</summary>
    public IReadOnlyDictionary<string, string> Source { get; }

    /// <summary>Every entry that cannot be used, in key order.</summary>
    public IReadOnlyList<TlsPolicyError> Errors { get; }

    /// <summary>Parses every entry of a table.</summary>
    /// <param name="source">The table: key to value as written.</param>
    /// <param name="parse">Parses one value, or says what is wrong with it.</param>
    public static PolicyTable<T> Build(IReadOnlyDictionary<string, string> source, Func<string, (T? Value, string? Problem)> parse)
    {
        var entries = new Dictionary<string, PolicyTableEntry<T>>(StringComparer.Ordinal);
        foreach ((string key, string value) in source.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            string folded = NexthopName.Fold(key);
            (T? parsed, string? problem) = parse(value);
            PolicyTableEntry<T> entry = problem is null
                ? new PolicyTableEntry<T>(key, value, parsed, null)
                : new PolicyTableEntry<T>(key, value, default, new TlsPolicyError(key, value, problem));
            if (entries.TryGetValue(folded, out PolicyTableEntry<T>? earlier) && !SameMeaning(earlier, entry))
            {
                // Keys compare without case; two spellings of one key with different values cannot both hold.
                entry = new PolicyTableEntry<T>(key, value, default, new TlsPolicyError(key, value, $"conflicts with entry \"{earlier.Key}\" (keys compare without case)"));
            }

            entries[folded] = entry;
        }

        TlsPolicyError[] errors = [.. entries.Values.Select(entry => entry.Error).OfType<TlsPolicyError>().OrderBy(error => error.Key, StringComparer.Ordinal)];
        return new PolicyTable<T>(source, entries, errors);
    }

    private static bool SameMeaning(PolicyTableEntry<T> first, PolicyTableEntry<T> second) =>
        first.Error is null && second.Error is null
            ? EqualityComparer<T>.Default.Equals(first.Value, second.Value)
            : string.Equals(first.Written.Trim(), second.Written.Trim(), StringComparison.Ordinal);

    /// <summary>The entry under a folded key, or null.</summary>
    public PolicyTableEntry<T>? Find(string foldedKey) => entries.GetValueOrDefault(foldedKey);
}
