using System.Globalization;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Tls;

namespace Mta.Core.Ingress;

/// <summary>
/// The relay-clientcerts table (Postfix relay_clientcerts): fingerprints of client certificates
/// or public keys allowed to relay. Keys are compared as openssl prints them whatever their case;
/// a key that is not a fingerprint of the configured digest is reported with its line and
/// skipped, and the rest of the table still applies. Follows the file when it changes.
/// </summary>
public sealed class RelayClientCerts
{
    private readonly TableSource _source;
    private readonly FingerprintDigest _digest;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, string>? _parsedFrom;
    private HashSet<string> _fingerprints = new(StringComparer.Ordinal);

    /// <summary>Reads the table now, logging bad keys.</summary>
    public RelayClientCerts(TableSource source, FingerprintDigest digest, ILogger logger)
    {
        _source = source;
        _digest = digest;
        _logger = logger;
        Current();
    }

    /// <summary>Entries usable now.</summary>
    public int Count => Current().Count;

    /// <summary>True when <paramref name="fingerprint"/> (as <see cref="Fingerprint"/> formats it) is listed.</summary>
    public bool Contains(string? fingerprint) => fingerprint is not null && Current().Contains(fingerprint);

    private HashSet<string> Current()
    {
        var entries = _source.Current;
        if (ReferenceEquals(entries, _parsedFrom)) return _fingerprints;
        lock (_gate)
        {
            if (ReferenceEquals(entries, _parsedFrom)) return _fingerprints;
            var fingerprints = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in entries.Keys)
            {
                if (Fingerprint.TryNormalize(key, _digest, out var normalized, out var problem))
                {
                    fingerprints.Add(normalized);
                    continue;
                }
                var line = _source.FilePath is { } path && File.Exists(path) ? TableLines.LineOf(File.ReadAllText(path), key) : null;
                _logger.LogWarning("{Key}: {Location}: '{Entry}' is not a {Digest} fingerprint ({Problem}); entry ignored",
                    _source.Key, line is null ? _source.FilePath ?? "inline entry" : string.Create(CultureInfo.InvariantCulture, $"{_source.FilePath}, line {line}"),
                    key, _digest.ToConfigWord(), problem);
            }
            _fingerprints = fingerprints;
            _parsedFrom = entries;
            return fingerprints;
        }
    }
}
