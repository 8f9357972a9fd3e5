namespace Mta.Tls.Policy;

/// <summary>
/// A table whose owner may swap it at any time (a file re-read, a configuration reload): every
/// lookup asks the owner for the current dictionary and parses it again only when it changed.
/// </summary>
internal sealed class CurrentTable<T>
{
    private readonly Func<IReadOnlyDictionary<string, string>> current;
    private readonly Func<string, (T? Value, string? Problem)> parse;
    private volatile PolicyTable<T>? parsed;

    public CurrentTable(Func<IReadOnlyDictionary<string, string>> current, Func<string, (T? Value, string? Problem)> parse)
    {
        this.current = current;
        this.parse = parse;
    }

    /// <summary>The parsed form of the table the owner holds now.</summary>
    public PolicyTable<T> Now()
    {
        IReadOnlyDictionary<string, string> source = current() ?? throw new InvalidOperationException("A TLS policy table source returned null.");
        PolicyTable<T>? cached = parsed;
        if (cached is not null && ReferenceEquals(cached.Source, source))
        {
            return cached;
        }

        // Racing callers may both parse; each gets a correct table and the last one is kept.
        PolicyTable<T> built = PolicyTable<T>.Build(source, parse);
        parsed = built;
        return built;
    }
}
