using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Configuration;

namespace Mta.Core.Routing;

/// <summary>
/// The transport table (Postfix <c>transport_maps</c>): recipient domain to route. Keys are a domain
/// (<c>example.com</c>, that domain only) or <c>.parent</c> (<c>.example.com</c>, every subdomain);
/// values are transport(5) values such as <c>smtp:[mail.example.com]:587</c> or <c>local:</c>.
/// </summary>
/// <remarks>
/// A bad entry stops start-up with an error naming the key and the file line (or the inline
/// entry). When a table file changes later, bad entries are logged with their line and skipped,
/// so the rest of the new table still applies, as Postfix's postmap does with bad lines.
/// </remarks>
public sealed class TransportMap
{
    private readonly TableSource _source;
    private readonly int _defaultPort;
    private readonly ILogger _logger;
    private readonly Lock _reloadGate = new();
    private volatile Snapshot _snapshot;

    private TransportMap(TableSource source, int defaultPort, ILogger logger, Snapshot snapshot)
    {
        _source = source;
        _defaultPort = defaultPort;
        _logger = logger;
        _snapshot = snapshot;
    }

    /// <summary>An empty table: every lookup falls through to the next rule.</summary>
    public static TransportMap Empty { get; } = Create(TableSource.FromEntries(new Dictionary<string, string>(), "mta.transport-maps"), 25);

    /// <summary>The configuration key the table comes from.</summary>
    public string Key => _source.Key;

    /// <summary>The number of usable entries in the table now.</summary>
    public int Count => Current().Entries;

    /// <summary>
    /// Builds the table from its source and checks every entry.
    /// </summary>
    /// <param name="source">The table, inline or a file that is re-read when it changes.</param>
    /// <param name="defaultPort">The port of a nexthop that names none (<c>mta.smtp.port</c>).</param>
    /// <param name="logger">Receives bad entries found after a reload; nothing is logged when null.</param>
    /// <exception cref="ConfigurationException">A line of the file is malformed, or a key or value is not one of the accepted forms; the message names the key and the line or entry.</exception>
    public static TransportMap Create(TableSource source, int defaultPort, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyDictionary<string, string> entries = source.Current;
        if (source.Errors.Count > 0)
        {
            throw new ConfigurationException(source.Key, $"Invalid table '{source.Key}': {source.Errors[0].Message}.");
        }

        var problems = new List<EntryProblem>();
        Snapshot snapshot = Parse(entries, defaultPort, problems);
        if (problems.Count > 0)
        {
            EntryProblem first = problems[0];
            throw new ConfigurationException(source.Key, $"Invalid entry '{first.Key}' in '{source.Key}' ({Location(source, first.Key)}): {first.Problem}.");
        }

        return new TransportMap(source, defaultPort, logger ?? NullLogger.Instance, snapshot);
    }

    /// <summary>
    /// Looks a recipient domain up as Postfix's transport(5) does: the domain itself, then each
    /// <c>.parent</c> entry from the most specific parent upward. Case and a trailing dot are ignored.
    /// </summary>
    /// <param name="recipientDomain">The recipient domain.</param>
    /// <returns>The route, or null when no entry matches (the next routing rule applies).</returns>
    public TransportRoute? Find(string recipientDomain)
    {
        ArgumentNullException.ThrowIfNull(recipientDomain);
        Snapshot snapshot = Current();
        if (snapshot.Entries == 0)
        {
            return null;
        }

        ReadOnlySpan<char> domain = DomainName.WithoutTrailingDot(recipientDomain);
        if (snapshot.Exact.TryGetValue(domain, out TransportRoute? route))
        {
            return route;
        }

        // Each suffix that starts at a dot (".b.example.com", ".example.com", ".com") is a parent candidate.
        for (int dot = domain.IndexOf('.'); dot >= 0; dot = NextDot(domain, dot))
        {
            if (dot > 0 && snapshot.Parents.TryGetValue(domain[dot..], out route))
            {
                return route;
            }
        }

        return null;
    }

    private Snapshot Current()
    {
        IReadOnlyDictionary<string, string> entries = _source.Current;
        Snapshot snapshot = _snapshot;
        if (ReferenceEquals(entries, snapshot.Source))
        {
            return snapshot;
        }

        // The file changed: parse the new table once (one caller at a time, so bad entries are
        // logged once) and keep what is usable.
        lock (_reloadGate)
        {
            snapshot = _snapshot;
            if (ReferenceEquals(entries, snapshot.Source))
            {
                return snapshot;
            }

            var problems = new List<EntryProblem>();
            Snapshot reloaded = Parse(entries, _defaultPort, problems);
            foreach (EntryProblem problem in problems)
            {
                TransportMapLog.EntrySkipped(_logger, Key, Location(_source, problem.Key), problem.Key, problem.Problem);
            }

            _snapshot = reloaded;
            return reloaded;
        }
    }

    private static Snapshot Parse(IReadOnlyDictionary<string, string> entries, int defaultPort, List<EntryProblem> problems)
    {
        var exact = new Dictionary<string, TransportRoute>(StringComparer.OrdinalIgnoreCase);
        var parents = new Dictionary<string, TransportRoute>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in entries)
        {
            string domain = DomainName.WithoutTrailingDot(key.Trim()).ToString().ToLowerInvariant();
            bool isParent = domain.StartsWith('.');
            if (!DomainName.IsValid(isParent ? domain.AsSpan(1) : domain))
            {
                string hint = key.Contains('@', StringComparison.Ordinal) || key == "*"
                    ? "; per-address entries and the * wildcard are not supported (use mta.smtp.relayhost for a default route)"
                    : string.Empty;
                problems.Add(new EntryProblem(key, $"the key is not a domain (example.com) or .parent (.example.com){hint}"));
                continue;
            }

            if (!NextHopSyntax.TryParseTransport(value, defaultPort, out TransportRoute? route, out string? problem))
            {
                problems.Add(new EntryProblem(key, $"{problem}; expected {NextHopSyntax.TransportForm}"));
                continue;
            }

            // Keys already differ ignoring case; a trailing dot can still make two keys the same domain.
            if (!(isParent ? parents : exact).TryAdd(domain, route))
            {
                problems.Add(new EntryProblem(key, $"the domain '{domain}' is already listed"));
            }
        }

        return new Snapshot(entries, exact, parents);
    }

    private static string Location(TableSource source, string key)
    {
        if (source.FilePath is null)
        {
            return "inline entry";
        }

        int? line = null;
        try
        {
            line = TableLines.LineOf(File.ReadAllText(source.FilePath), key);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The line number only helps the reader; the file name and key still locate the entry.
        }

        return line is null
            ? source.FilePath
            : string.Create(CultureInfo.InvariantCulture, $"{source.FilePath}, line {line}");
    }

    private static int NextDot(ReadOnlySpan<char> domain, int dot)
    {
        int next = domain[(dot + 1)..].IndexOf('.');
        return next < 0 ? -1 : dot + 1 + next;
    }

    private sealed record EntryProblem(string Key, string Problem);

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyDictionary<string, string> source, Dictionary<string, TransportRoute> exact, Dictionary<string, TransportRoute> parents)
        {
            Source = source;
            Exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
            Parents = parents.GetAlternateLookup<ReadOnlySpan<char>>();
            Entries = exact.Count + parents.Count;
        }

        public IReadOnlyDictionary<string, string> Source { get; }

        public Dictionary<string, TransportRoute>.AlternateLookup<ReadOnlySpan<char>> Exact { get; }

        public Dictionary<string, TransportRoute>.AlternateLookup<ReadOnlySpan<char>> Parents { get; }

        public int Entries { get; }
    }
}

/// <summary>Log messages of <see cref="TransportMap"/>.</summary>
internal static partial class TransportMapLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Table {Key} ({Location}): entry {Entry} skipped: {Problem}")]
    public static partial void EntrySkipped(ILogger logger, string key, string location, string entry, string problem);
}
