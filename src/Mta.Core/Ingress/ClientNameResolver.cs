using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Routing;

namespace Mta.Core.Ingress;

/// <summary>
/// The client's host name as Postfix's smtpd finds it (<c>smtpd_peer.c</c>): the name the static
/// host table or a PTR record gives the address, kept only when a forward lookup of that name leads
/// back to the same address; otherwise <c>unknown</c>. It appears in the Received header and in
/// every log line about the client as <c>name[address]</c>. A lookup that fails or times out leaves
/// the name unknown; only the caller's cancellation is passed on.
/// </summary>
public sealed class ClientNameResolver
{
    /// <summary>The name of a client whose address has no confirmed name.</summary>
    public const string Unknown = "unknown";

    private static readonly TimeSpan HostsCheckInterval = TimeSpan.FromSeconds(1);

    private readonly IDnsQuery? _dns;
    private readonly string? _hostsPath;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Lock _hostsGate = new();
    private volatile HostsFile _hosts = HostsFile.Empty;
    private (DateTime WriteTime, long Length) _hostsStamp;
    private long _nextHostsCheckTicks;

    /// <summary>Creates a resolver.</summary>
    /// <param name="dns">Answers the PTR and address queries; null to use the host table alone.</param>
    /// <param name="hostsPath">The static host table, re-read when it changes; null for none.</param>
    /// <param name="clock">Paces the checks of the host table.</param>
    /// <param name="logger">Receives Postfix's warnings about names that do not lead back to the address.</param>
    public ClientNameResolver(IDnsQuery? dns, string? hostsPath, TimeProvider clock, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _dns = dns;
        _hostsPath = hostsPath;
        _clock = clock;
        _logger = logger ?? NullLogger.Instance;
        _nextHostsCheckTicks = long.MinValue;
    }

    /// <summary>No lookups: every client is <c>unknown</c> (<c>mta.smtpd.peername-lookup = no</c>).</summary>
    public static ClientNameResolver None { get; } = new(null, null, TimeProvider.System, null);

    /// <summary>Whether lookups are made at all.</summary>
    public bool Enabled => _dns is not null || _hostsPath is not null;

    /// <summary>The confirmed name of <paramref name="address"/>, or <see cref="Unknown"/>.</summary>
    public async ValueTask<string> ResolveAsync(IPAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!Enabled)
        {
            return Unknown;
        }

        address = HostsFile.Canonical(address);
        HostsFile hosts = CurrentHosts();
        if (hosts.NameOf(address) is { } listed)
        {
            // The host table answers both ways, as the C library would before asking DNS.
            return hosts.AddressesOf(listed).Contains(address) ? listed : Unknown;
        }

        if (_dns is null)
        {
            return Unknown;
        }

        try
        {
            IDnsQueryResponse reverse = await _dns.QueryReverseAsync(address, cancellationToken).ConfigureAwait(false);
            string? name = reverse.Answers.PtrRecords().Select(record => record.PtrDomainName.Value.TrimEnd('.')).FirstOrDefault();
            if (name is null)
            {
                return Unknown;
            }

            if (!IsValidHostName(name))
            {
                ClientNameLog.MalformedName(_logger, address, name);
                return Unknown;
            }

            QueryType type = address.AddressFamily == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
            IDnsQueryResponse forward = await _dns.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            IEnumerable<IPAddress> addresses = forward.Answers.OfType<AddressRecord>().Select(record => HostsFile.Canonical(record.Address))
                .Concat(hosts.AddressesOf(name));
            if (addresses.Contains(address))
            {
                return name;
            }

            ClientNameLog.NotConfirmed(_logger, name, address);
            return Unknown;
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or OperationCanceledException or ArgumentException)
        {
            if (cancellationToken.IsCancellationRequested && e is OperationCanceledException)
            {
                throw;
            }

            return Unknown;
        }
    }

    /// <summary>
    /// Postfix's <c>valid_hostname</c>: labels of letters, digits, hyphens and underscores, not
    /// starting or ending with a hyphen, at most 63 characters each and 255 in all, and not a
    /// dotted number that would pass for an address.
    /// </summary>
    internal static bool IsValidHostName(string name)
    {
        if (name.Length is 0 or > 255)
        {
            return false;
        }

        bool allNumeric = true;
        foreach (string label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
                {
                    return false;
                }

                allNumeric &= char.IsAsciiDigit(c);
            }
        }

        return !allNumeric;
    }

    private static long IntervalIn(TimeProvider clock) => (long)(HostsCheckInterval.TotalSeconds * clock.TimestampFrequency);

    private HostsFile CurrentHosts()
    {
        if (_hostsPath is null)
        {
            return HostsFile.Empty;
        }

        // A monotonic timestamp: setting the wall clock back does not stop the checks.
        long now = _clock.GetTimestamp();
        if (now < Volatile.Read(ref _nextHostsCheckTicks))
        {
            return _hosts;
        }

        lock (_hostsGate)
        {
            if (now < _nextHostsCheckTicks)
            {
                return _hosts;
            }

            _nextHostsCheckTicks = now + IntervalIn(_clock);
            try
            {
                var file = new FileInfo(_hostsPath);
                (DateTime, long) stamp = file.Exists ? (file.LastWriteTimeUtc, file.Length) : (DateTime.MinValue, -1);
                if (stamp != _hostsStamp)
                {
                    _hosts = file.Exists ? HostsFile.Parse(File.ReadAllText(_hostsPath)) : HostsFile.Empty;
                    _hostsStamp = stamp;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ClientNameLog.HostsUnreadable(_logger, _hostsPath, e.Message);
            }

            return _hosts;
        }
    }
}

/// <summary>Log messages of <see cref="ClientNameResolver"/>, worded as Postfix's smtpd words them.</summary>
internal static partial class ClientNameLog
{
    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "hostname {Name} does not resolve to address {Address}")]
    public static partial void NotConfirmed(ILogger logger, string name, IPAddress address);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "{Address}: malformed domain name in resolver result: {Name}")]
    public static partial void MalformedName(ILogger logger, IPAddress address, string name);

    [LoggerMessage(EventId = 222, Level = LogLevel.Warning, Message = "cannot read {Path} ({Reason}); client names are looked up with the host table last read")]
    public static partial void HostsUnreadable(ILogger logger, string path, string reason);
}
