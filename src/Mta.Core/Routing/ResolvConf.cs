using System.Net;

namespace Mta.Core.Routing;

/// <summary>
/// The name servers of the system resolver, read from <c>/etc/resolv.conf</c> the way the C library
/// reads them. Read here rather than through DnsClient's discovery, which would fall back to a
/// public resolver on the Internet when it finds none, and the MTA must not send its lookups there.
/// </summary>
public static class ResolvConf
{
    /// <summary>The system resolver's configuration file.</summary>
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>The DNS port.</summary>
    public const int DnsPort = 53;

    /// <summary>
    /// The <c>nameserver</c> lines of resolv.conf text, in order, on port 53. Lines starting with
    /// <c>#</c> or <c>;</c> are comments; entries that are not IP addresses are ignored, as the C
    /// library ignores them.
    /// </summary>
    /// <param name="text">The file's text.</param>
    public static IReadOnlyList<IPEndPoint> ParseNameServers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPEndPoint>();
        foreach (ReadOnlySpan<char> rawLine in text.AsSpan().EnumerateLines())
        {
            ReadOnlySpan<char> line = rawLine.Trim();
            if (!line.StartsWith("nameserver") || line.Length == "nameserver".Length || !char.IsWhiteSpace(line["nameserver".Length]))
            {
                continue;
            }

            ReadOnlySpan<char> value = line["nameserver".Length..].Trim();
            int end = value.IndexOfAny(' ', '\t');
            if (end >= 0)
            {
                value = value[..end];
            }

            if (IPAddress.TryParse(value, out IPAddress? address))
            {
                servers.Add(new IPEndPoint(address, DnsPort));
            }
        }

        return servers;
    }

    /// <summary>
    /// The system's name servers from <paramref name="path"/>; when the file is missing, unreadable
    /// or lists none, the local host (127.0.0.1:53), as the C library assumes.
    /// </summary>
    /// <param name="path">The resolv.conf file.</param>
    public static IReadOnlyList<IPEndPoint> ReadNameServers(string path = DefaultPath)
    {
        IReadOnlyList<IPEndPoint> servers = [];
        try
        {
            servers = ParseNameServers(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Same as an empty file: the C library falls back to a resolver on the local host.
        }

        return servers.Count > 0 ? servers : [new IPEndPoint(IPAddress.Loopback, DnsPort)];
    }
}
