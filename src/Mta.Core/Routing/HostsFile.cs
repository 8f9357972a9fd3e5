using System.Net;

namespace Mta.Core.Routing;

/// <summary>
/// The static host table (<c>/etc/hosts</c>), which the C library consults before DNS: an address
/// followed by its canonical name and aliases, one entry per line, <c>#</c> to the end of a line a
/// comment. The first line that names an address gives its name, as <c>gethostbyaddr</c> does.
/// </summary>
public sealed class HostsFile
{
    /// <summary>The system's host table.</summary>
    public const string DefaultPath = "/etc/hosts";

    private readonly Dictionary<IPAddress, string> _names;
    private readonly Dictionary<string, List<IPAddress>> _addresses;

    private HostsFile(Dictionary<IPAddress, string> names, Dictionary<string, List<IPAddress>> addresses)
    {
        _names = names;
        _addresses = addresses;
    }

    /// <summary>A table without entries.</summary>
    public static HostsFile Empty { get; } = Parse(string.Empty);

    /// <summary>Reads the table from its text; lines that do not start with an address are skipped.</summary>
    public static HostsFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = new Dictionary<IPAddress, string>();
        var addresses = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        foreach (ReadOnlySpan<char> rawLine in text.AsSpan().EnumerateLines())
        {
            ReadOnlySpan<char> line = rawLine;
            int comment = line.IndexOf('#');
            if (comment >= 0)
            {
                line = line[..comment];
            }

            IPAddress? address = null;
            foreach (Range field in line.SplitAny(" \t"))
            {
                ReadOnlySpan<char> word = line[field];
                if (word.IsEmpty)
                {
                    continue;
                }

                if (address is null)
                {
                    if (!IPAddress.TryParse(word, out address))
                    {
                        break;
                    }

                    address = Canonical(address);
                    continue;
                }

                string name = word.ToString().TrimEnd('.');
                names.TryAdd(address, name);
                if (!addresses.TryGetValue(name, out List<IPAddress>? known))
                {
                    addresses[name] = known = [];
                }

                if (!known.Contains(address))
                {
                    known.Add(address);
                }
            }
        }

        return new HostsFile(names, addresses);
    }

    /// <summary>The name of <paramref name="address"/>: the first name on the first line for it; null when none.</summary>
    public string? NameOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _names.GetValueOrDefault(Canonical(address));
    }

    /// <summary>Every address the table gives <paramref name="name"/> (case and a trailing dot ignored).</summary>
    public IReadOnlyList<IPAddress> AddressesOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _addresses.TryGetValue(name.TrimEnd('.'), out List<IPAddress>? known) ? known : [];
    }

    /// <summary>IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.</summary>
    internal static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
