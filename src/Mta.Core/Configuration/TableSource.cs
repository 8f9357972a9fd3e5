using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mta.Core.Configuration;

/// <summary>
/// The current contents of a table setting: an inline HOCON object, or a file in Postfix's table
/// format that is re-read when it changes (no postmap step). A file that can no longer be read
/// keeps the last table that could; malformed lines are logged with their line numbers and skipped.
/// </summary>
public sealed class TableSource
{
    /// <summary>How often, at most, a table file's timestamp and length are looked at.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private static readonly string[] IgnoredTypePrefixes = ["hash", "lmdb", "texthash"];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reloadGate = new();
    private volatile Snapshot _snapshot;
    private long _nextCheckTicks;
    private bool _reportedUnreadable;

    private TableSource(string key, string? filePath, Snapshot snapshot, TimeProvider timeProvider, ILogger logger)
    {
        Key = key;
        FilePath = filePath;
        _snapshot = snapshot;
        _timeProvider = timeProvider;
        _logger = logger;
        _nextCheckTicks = timeProvider.GetUtcNow().UtcTicks + CheckInterval.Ticks;
    }

    /// <summary>The configuration key the table comes from, such as <c>mta.local-recipients</c>.</summary>
    public string Key { get; }

    /// <summary>The absolute path of the table file; null for an inline table.</summary>
    public string? FilePath { get; }

    /// <summary>
    /// The table now: key to value, keys compared ignoring case. For a file, reading this property
    /// looks at the file's last-write time and length at most once per <see cref="CheckInterval"/>
    /// (a stat, no read unless it changed) and re-reads the file when either changed.
    /// </summary>
    public IReadOnlyDictionary<string, string> Current
    {
        get
        {
            ReloadIfDue();
            return _snapshot.Entries;
        }
    }

    /// <summary>The malformed lines of the table in <see cref="Current"/>.</summary>
    public IReadOnlyList<TableError> Errors => _snapshot.Errors;

    /// <summary>
    /// Creates the table a setting describes: an inline object (<c>{ "alice@example.com" = ok }</c>) or a
    /// file path, optionally prefixed <c>hash:</c>, <c>lmdb:</c> or <c>texthash:</c> (ignored). An
    /// empty string is an empty table.
    /// </summary>
    /// <param name="config">The configuration holding the setting.</param>
    /// <param name="key">The full key, such as <c>mta.local-recipients</c>.</param>
    /// <param name="baseDirectory">The folder a relative file path is resolved against.</param>
    /// <param name="timeProvider">The clock that paces file checks; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Receives malformed lines, reloads and read failures; nothing is logged when null.</param>
    /// <exception cref="ConfigurationException">The value is neither an object nor a string, an inline value is not text, the table type is not supported, or the file cannot be read now.</exception>
    public static TableSource FromConfig(Config config, string key, string baseDirectory, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var reader = new SettingReader(config);
        HoconValue value = reader.Node(key);
        if (value.IsObject())
        {
            return FromEntries(InlineEntries(value.GetObject(), key), key);
        }

        string location = reader.String(key, "a table: an object { key = value } or the path of a table file");
        if (location.Trim().Length == 0)
        {
            return FromEntries(new Dictionary<string, string>(), key);
        }

        return FromFile(Path.GetFullPath(WithoutTypePrefix(location.Trim(), key), baseDirectory), key, timeProvider, logger);
    }

    /// <summary>Creates a table from a file in Postfix's table format, read now and re-read when it changes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="key">The configuration key named in errors and logs.</param>
    /// <param name="timeProvider">The clock that paces file checks; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Receives malformed lines, reloads and read failures; nothing is logged when null.</param>
    /// <exception cref="ConfigurationException">The file cannot be read now.</exception>
    public static TableSource FromFile(string path, string key, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        string fullPath = Path.GetFullPath(path);
        logger ??= NullLogger.Instance;
        if (!TryLoad(fullPath, out Snapshot? snapshot, out string? problem))
        {
            throw new ConfigurationException(key, $"Cannot read the table file '{fullPath}' for '{key}': {problem}.");
        }

        LogLineErrors(logger, key, snapshot.Errors);
        return new TableSource(key, fullPath, snapshot, timeProvider ?? TimeProvider.System, logger);
    }

    /// <summary>Creates a fixed table from entries already in memory.</summary>
    /// <param name="entries">Key to value; keys will compare ignoring case.</param>
    /// <param name="key">The configuration key the entries come from.</param>
    public static TableSource FromEntries(IReadOnlyDictionary<string, string> entries, string key)
    {
        var copy = new Dictionary<string, string>(entries, StringComparer.OrdinalIgnoreCase);
        return new TableSource(key, null, new Snapshot(copy, [], default), TimeProvider.System, NullLogger.Instance);
    }

    private void ReloadIfDue()
    {
        if (FilePath is null)
        {
            return;
        }

        long now = _timeProvider.GetUtcNow().UtcTicks;
        if (now < Interlocked.Read(ref _nextCheckTicks) || !_reloadGate.TryEnter())
        {
            // Not due, or another caller is checking right now and will publish its result.
            return;
        }

        try
        {
            if (now < Interlocked.Read(ref _nextCheckTicks))
            {
                return;
            }

            Interlocked.Exchange(ref _nextCheckTicks, now + CheckInterval.Ticks);
            Reload(FilePath);
        }
        finally
        {
            _reloadGate.Exit();
        }
    }

    private void Reload(string path)
    {
        Snapshot current = _snapshot;
        if (TryStat(path, out FileStamp stamp, out _) && stamp == current.Stamp)
        {
            _reportedUnreadable = false;
            return;
        }

        if (!TryLoad(path, out Snapshot? loaded, out string? problem))
        {
            // Report once per outage rather than at every check.
            if (!_reportedUnreadable)
            {
                TableSourceLog.ReadFailed(_logger, Key, path, problem, current.Entries.Count);
                _reportedUnreadable = true;
            }

            return;
        }

        _reportedUnreadable = false;
        _snapshot = loaded;
        TableSourceLog.Reloaded(_logger, Key, path, loaded.Entries.Count);
        LogLineErrors(_logger, Key, loaded.Errors);
    }

    private static bool TryLoad(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Snapshot? snapshot, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        snapshot = null;
        if (!TryStat(path, out FileStamp stamp, out problem))
        {
            return false;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(File.ReadAllBytes(path));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problem = exception.Message;
            return false;
        }
        catch (DecoderFallbackException)
        {
            problem = "not a text file (invalid UTF-8); give the text source, not a postmap .db/.lmdb file";
            return false;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            problem = "not a text file (it contains NUL bytes); give the text source, not a postmap .db/.lmdb file";
            return false;
        }

        TableParseResult result = TableParser.ParseText(text, path);
        snapshot = new Snapshot(result.Entries, result.Errors, stamp);
        return true;
    }

    private static bool TryStat(string path, out FileStamp stamp, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        stamp = default;
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                problem = Directory.Exists(path) ? "it is a folder, not a file" : "the file does not exist";
                return false;
            }

            stamp = new FileStamp(file.LastWriteTimeUtc, file.Length);
            problem = null;
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problem = exception.Message;
            return false;
        }
    }

    private static void LogLineErrors(ILogger logger, string key, IReadOnlyList<TableError> errors)
    {
        foreach (TableError error in errors)
        {
            TableSourceLog.LineSkipped(logger, key, error.LineNumber, error.Message);
        }
    }

    private static string WithoutTypePrefix(string location, string key)
    {
        int colon = location.IndexOf(':', StringComparison.Ordinal);

        // One letter before the colon is a Windows drive ("C:\..."), not a table type.
        if (colon <= 1 || !location[..colon].All(char.IsAsciiLetterLower))
        {
            return location;
        }

        string type = location[..colon];
        return IgnoredTypePrefixes.Contains(type, StringComparer.Ordinal)
            ? location[(colon + 1)..]
            : throw new ConfigurationException(key, $"Invalid value '{location}' for '{key}': table type '{type}' is not supported; expected a file path, optionally prefixed hash:, lmdb: or texthash:, or an inline object.");
    }

    private static Dictionary<string, string> InlineEntries(HoconObject table, string key)
    {
        var entries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        AddInline(entries, table, prefix: string.Empty, key);
        return entries;
    }

    private static void AddInline(Dictionary<string, string> entries, HoconObject table, string prefix, string key)
    {
        foreach ((string name, HoconValue value) in table.Items)
        {
            // An unquoted key with dots (alice@example.com = ok) reaches us as nested objects; join it back.
            string entryKey = prefix + name;
            if (value.IsObject())
            {
                AddInline(entries, value.GetObject(), entryKey + ".", key);
                continue;
            }

            string? text = value.IsString() ? value.GetString() : null;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new ConfigurationException(key, $"Invalid entry '{entryKey}' in '{key}': expected a non-empty text value.");
            }

            if (!entries.TryAdd(entryKey, text.Trim()))
            {
                throw new ConfigurationException(key, $"Duplicate entry '{entryKey}' in '{key}' (keys ignore case).");
            }
        }
    }

    private readonly record struct FileStamp(DateTime LastWriteTimeUtc, long Length);

    private sealed record Snapshot(IReadOnlyDictionary<string, string> Entries, IReadOnlyList<TableError> Errors, FileStamp Stamp);
}

/// <summary>Log messages of <see cref="TableSource"/>.</summary>
internal static partial class TableSourceLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Table {Key}, line {LineNumber} skipped: {Problem}")]
    public static partial void LineSkipped(ILogger logger, string key, int lineNumber, string problem);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Table {Key}: cannot read {Path} ({Problem}); keeping the {Count} entries loaded before")]
    public static partial void ReadFailed(ILogger logger, string key, string path, string problem, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Table {Key}: reloaded {Path}, {Count} entries")]
    public static partial void Reloaded(ILogger logger, string key, string path, int count);
}
