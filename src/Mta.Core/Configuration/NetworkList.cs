using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mta.Core.Configuration;

/// <summary>
/// A parsed list of IPv4 and IPv6 networks in CIDR notation, as Postfix's <c>mynetworks</c>.
/// A bare address is a /32 or /128 network. An IPv4-mapped IPv6 client address
/// (<c>::ffff:192.0.2.1</c>, what a dual-stack socket reports) is looked up as the IPv4 address
/// it carries, so IPv4 entries cover clients on either kind of socket.
/// </summary>
public sealed class NetworkList
{
    private readonly Ipv4Network[] _ipv4;
    private readonly Ipv6Network[] _ipv6;

    private NetworkList(Ipv4Network[] ipv4, Ipv6Network[] ipv6, IReadOnlyList<string> entries)
    {
        _ipv4 = ipv4;
        _ipv6 = ipv6;
        Entries = entries;
    }

    /// <summary>A list that contains no address.</summary>
    public static NetworkList Empty { get; } = new([], [], []);

    /// <summary>The networks in canonical CIDR form (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>), in the order given.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>
    /// Parses CIDR entries: <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>, <c>[2001:db8::]/32</c> (Postfix's
    /// bracketed form), or a bare address. An entry with bits set after the prefix (<c>10.1.2.3/8</c>)
    /// is refused, as Postfix refuses it, because it usually hides a mistake.
    /// </summary>
    /// <param name="entries">The entries as written.</param>
    /// <param name="key">The configuration key named in errors.</param>
    /// <exception cref="ConfigurationException">An entry is not a valid network; the message names the key and the entry.</exception>
    public static NetworkList Parse(IEnumerable<string> entries, string key)
    {
        var ipv4 = new List<Ipv4Network>();
        var ipv6 = new List<Ipv6Network>();
        var canonical = new List<string>();
        Span<byte> bytes = stackalloc byte[16];
        foreach (string entry in entries)
        {
            if (!TryParseEntry(entry.Trim(), out IPAddress network, out int prefix, out string problem))
            {
                throw new ConfigurationException(key, $"Invalid network '{entry}' in '{key}': {problem}; expected an address or address/prefix such as 10.0.0.0/8 or 2001:db8::/32.");
            }

            network.TryWriteBytes(bytes, out int length);
            if (length == 4 || (network.IsIPv4MappedToIPv6 && prefix >= 96))
            {
                // A mapped IPv6 entry is the IPv4 network it spells; clients are compared as IPv4.
                int ipv4Prefix = length == 4 ? prefix : prefix - 96;
                uint address = BinaryPrimitives.ReadUInt32BigEndian(bytes[(length - 4)..]);
                uint mask = Ipv4Network.MaskFor(ipv4Prefix);
                CheckHostBits(key, entry, (address & ~mask) != 0, ToAddress(address & mask), ipv4Prefix);
                ipv4.Add(new Ipv4Network(address, mask));
                canonical.Add(string.Create(CultureInfo.InvariantCulture, $"{ToAddress(address)}/{ipv4Prefix}"));
            }
            else
            {
                UInt128 address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
                UInt128 mask = Ipv6Network.MaskFor(prefix);
                CheckHostBits(key, entry, (address & ~mask) != UInt128.Zero, ToAddress(address & mask), prefix);
                ipv6.Add(new Ipv6Network(address, mask));
                canonical.Add(string.Create(CultureInfo.InvariantCulture, $"{network}/{prefix}"));
            }
        }

        return new NetworkList([.. ipv4], [.. ipv6], canonical);
    }

    /// <summary>
    /// True when <paramref name="address"/> lies in one of the networks. Does not allocate, so it
    /// can run for every connection.
    /// </summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int length))
        {
            return false;
        }

        if (length == 4)
        {
            return ContainsIpv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return ContainsIpv4(BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
        }

        UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        foreach (Ipv6Network network in _ipv6)
        {
            if ((value & network.Mask) == network.Address)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Entries);

    private bool ContainsIpv4(uint value)
    {
        foreach (Ipv4Network network in _ipv4)
        {
            if ((value & network.Mask) == network.Address)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseEntry(string entry, out IPAddress address, out int prefix, out string problem)
    {
        address = IPAddress.None;
        prefix = 0;
        ReadOnlySpan<char> text = entry;
        ReadOnlySpan<char> prefixText = default;
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            prefixText = text[(slash + 1)..];
            text = text[..slash];
        }

        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }

        if (!IpAddressText.TryParse(text, out address))
        {
            problem = "not an IP address";
            return false;
        }

        int maximum = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            prefix = maximum;
        }
        else if (prefixText.Length is 0 or > 3 || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maximum)
        {
            problem = $"the prefix length must be a number from 0 to {maximum}";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static void CheckHostBits(string key, string entry, bool hasHostBits, IPAddress network, int prefix)
    {
        if (hasHostBits)
        {
            throw new ConfigurationException(key, string.Create(CultureInfo.InvariantCulture, $"Invalid network '{entry}' in '{key}': bits are set after the /{prefix} prefix; did you mean '{network}/{prefix}'?"));
        }
    }

    private static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private static IPAddress ToAddress(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private readonly record struct Ipv4Network(uint Address, uint Mask)
    {
        public static uint MaskFor(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
    }

    private readonly record struct Ipv6Network(UInt128 Address, UInt128 Mask)
    {
        public static UInt128 MaskFor(int prefix) => prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
    }
}
