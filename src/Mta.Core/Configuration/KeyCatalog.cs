using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Mta.Core.Configuration;

/// <summary>
/// The keys that exist under <c>mta</c>, taken from reference.conf: every key an operator may set
/// has a default there. An empty object in reference.conf (<c>local-recipients = {}</c>) is a
/// table: its entries are data, not keys, so nothing inside it is checked.
/// </summary>
internal sealed class KeyCatalog
{
    private readonly HashSet<string> _leaves = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sections = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tables = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lists = new(StringComparer.Ordinal);
    private readonly List<string> _allKeys = [];

    private KeyCatalog()
    {
    }

    /// <summary>Every known key path in reference.conf order (sections, tables and values).</summary>
    public IReadOnlyList<string> AllKeys => _allKeys;

    /// <summary>Builds the catalogue from a reference configuration.</summary>
    public static KeyCatalog FromReference(Config reference)
    {
        var catalog = new KeyCatalog();
        HoconObject root = reference.GetValue(MtaSettings.RootKey)?.GetObject()
            ?? throw new InvalidOperationException($"The reference configuration has no '{MtaSettings.RootKey}' section.");
        catalog.Add(root, MtaSettings.RootKey);
        return catalog;
    }

    /// <summary>True when <paramref name="key"/> holds a table (Postfix-style map) rather than settings.</summary>
    public bool IsTable(string key) => _tables.Contains(key);

    /// <summary>True when <paramref name="key"/> holds a list by default.</summary>
    public bool IsList(string key) => _lists.Contains(key);

    /// <summary>
    /// Throws for the first key under <c>mta</c> that reference.conf does not define, naming the
    /// closest known key, and for a value given where a section is expected.
    /// </summary>
    public void CheckKnown(Config config)
    {
        HoconValue? root = config.GetValue(MtaSettings.RootKey);
        if (root is null)
        {
            return;
        }

        if (!root.IsObject())
        {
            throw new ConfigurationException(MtaSettings.RootKey, $"'{MtaSettings.RootKey}' must be a section ({{ ... }}).");
        }

        CheckSection(root.GetObject(), MtaSettings.RootKey);
    }

    private void Add(HoconObject section, string path)
    {
        foreach ((string name, HoconValue value) in section.Items)
        {
            string key = path + "." + name;
            _allKeys.Add(key);
            if (!value.IsObject())
            {
                _leaves.Add(key);
                if (SettingReader.IsList(value))
                {
                    _lists.Add(key);
                }
            }
            else if (value.GetObject().Items.Count == 0)
            {
                _tables.Add(key);
            }
            else
            {
                _sections.Add(key);
                Add(value.GetObject(), key);
            }
        }
    }

    private void CheckSection(HoconObject section, string path)
    {
        foreach ((string name, HoconValue value) in section.Items)
        {
            string key = path + "." + name;
            if (_leaves.Contains(key) || _tables.Contains(key))
            {
                continue;
            }

            if (!_sections.Contains(key))
            {
                throw new ConfigurationException(key, $"Unknown configuration key '{key}'; did you mean '{EditDistance.Closest(key, _allKeys)}'?");
            }

            if (!value.IsObject())
            {
                throw new ConfigurationException(key, $"Invalid value for '{key}': it is a section; expected {{ ... }} with keys such as '{_allKeys.First(known => known.StartsWith(key + ".", StringComparison.Ordinal))}'.");
            }

            CheckSection(value.GetObject(), key);
        }
    }
}
