using System.Security.Cryptography;
using System.Text;

namespace Mta.Core.Local;

/// <summary>
/// Maps recipients to Maildir folders and deliveries to file names. Pure: no file system access
/// beyond <see cref="Path.GetFullPath(string)"/>.
/// </summary>
public static class MaildirPaths
{
    /// <summary>Longest folder name component, in bytes; leaves room under NAME_MAX (255).</summary>
    public const int MaxComponentLength = 200;

    /// <summary>Separates a truncated prefix from its hash; never produced by the encoding itself.</summary>
    private const char TruncationMarker = '~';

    private const int HashHexLength = 64;

    /// <summary>Longest Maildir file name, in bytes: NAME_MAX on Linux and macOS.</summary>
    private const int MaxFileNameLength = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Returns the absolute path of the Maildir for <paramref name="localPart"/>@<paramref name="domain"/>:
    /// <c>&lt;dataDir&gt;/maildir/&lt;domain&gt;/&lt;localpart&gt;</c>. A quoted local part is unquoted
    /// first (<c>"john doe"</c> is <c>john doe</c>). Each component is lower-cased; every character
    /// outside <c>[a-z0-9._+-]</c>, and a leading dot, is percent-encoded as UTF-8 bytes; a component
    /// longer than <see cref="MaxComponentLength"/> bytes becomes a prefix, <c>~</c> and the SHA-256 of
    /// the whole. Distinct addresses (ignoring case) get distinct folders, and no folder lies outside
    /// <c>&lt;dataDir&gt;/maildir/</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A component is empty or not valid Unicode, or the path
    /// would leave the Maildir root.</exception>
    public static string MailboxFolder(string dataDir, string domain, string localPart)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(localPart);

        var root = Path.GetFullPath(Path.Combine(dataDir, "maildir"));
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var domainComponent = SafeComponent(domain, nameof(domain));
        var localComponent = SafeComponent(Unquote(localPart), nameof(localPart));
        var folder = Path.GetFullPath(Path.Combine(rootWithSeparator, domainComponent, localComponent));

        // The encoding cannot produce a separator or a dot-only name; this check holds regardless.
        if (!folder.StartsWith(rootWithSeparator, StringComparison.Ordinal)
            || Path.GetDirectoryName(Path.GetDirectoryName(folder)) != Path.TrimEndingDirectorySeparator(root))
        {
            throw new ArgumentException($"Mailbox path escapes the Maildir root: {folder}", nameof(localPart));
        }

        return folder;
    }

    /// <summary>
    /// Returns the Maildir file name of one recipient's copy of a queued message:
    /// <c>&lt;queueId&gt;.R&lt;recipientIndex&gt;.&lt;hostName&gt;</c>, with <c>/</c> and <c>:</c> in the host
    /// name written as <c>\057</c> and <c>\072</c> (the Maildir convention). The same inputs always give
    /// the same name, which is what makes a replayed delivery detectable.
    /// </summary>
    /// <exception cref="ArgumentException">The queue id is empty, starts with a dot, or holds a
    /// separator, colon, backslash, white space or control character; the host name is empty or
    /// holds a control character; or the name would exceed 255 bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="recipientIndex"/> is negative.</exception>
    public static string DeliveryFileName(string queueId, int recipientIndex, string hostName)
    {
        ValidateQueueId(queueId);
        ArgumentOutOfRangeException.ThrowIfNegative(recipientIndex);
        var name = $"{queueId}.R{recipientIndex}.{EncodeHostName(hostName)}";
        if (Encoding.UTF8.GetByteCount(name) > MaxFileNameLength)
        {
            throw new ArgumentException($"Maildir file name longer than {MaxFileNameLength} bytes: {name}", nameof(queueId));
        }

        return name;
    }

    /// <summary>Writes <c>/</c> as <c>\057</c> and <c>:</c> as <c>\072</c>, as Maildir writers do.</summary>
    /// <exception cref="ArgumentException">The host name is empty or holds a control character.</exception>
    internal static string EncodeHostName(string hostName)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        if (hostName.Any(char.IsControl))
        {
            throw new ArgumentException("Host name must not contain control characters.", nameof(hostName));
        }

        return hostName.Replace("/", "\\057", StringComparison.Ordinal).Replace(":", "\\072", StringComparison.Ordinal);
    }

    private static void ValidateQueueId(string queueId)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        if (queueId[0] == '.'
            || queueId.Any(c => c is '/' or ':' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"Queue id is not usable in a Maildir file name: {queueId}", nameof(queueId));
        }
    }

    /// <summary>Strips the quotes of an RFC 5321 quoted-string local part and resolves its quoted-pairs.</summary>
    private static string Unquote(string localPart)
    {
        if (localPart.Length < 2 || localPart[0] != '"' || localPart[^1] != '"')
        {
            return localPart;
        }

        var inner = localPart.AsSpan(1, localPart.Length - 2);
        var builder = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            // A trailing lone backslash is not a quoted-pair; keep it as written.
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                i++;
            }

            builder.Append(inner[i]);
        }

        return builder.ToString();
    }

    private static string SafeComponent(string value, string parameterName)
    {
        if (value.Length == 0)
        {
            throw new ArgumentException("Mailbox path component must not be empty.", parameterName);
        }

        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(value.ToLowerInvariant());
        }
        catch (EncoderFallbackException exception)
        {
            throw new ArgumentException("Mailbox path component is not valid Unicode.", parameterName, exception);
        }

        var encoded = PercentEncode(bytes);
        return encoded.Length <= MaxComponentLength ? encoded : Truncate(encoded);
    }

    private static string PercentEncode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var verbatim = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'_' or (byte)'+' or (byte)'-'
                || (b == (byte)'.' && i > 0);
            if (verbatim)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Keeps a readable prefix and appends the SHA-256 of the whole encoded component, so that long
    /// names stay distinct; the marker cannot occur in an untruncated component.
    /// </summary>
    private static string Truncate(string encoded)
    {
        var prefixLength = MaxComponentLength - 1 - HashHexLength;

        // Do not cut a %XX escape in half.
        var lastPercent = encoded.LastIndexOf('%', prefixLength - 1, Math.Min(2, prefixLength));
        if (lastPercent >= 0)
        {
            prefixLength = lastPercent;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(encoded)));
        return string.Concat(encoded.AsSpan(0, prefixLength), TruncationMarker.ToString(), hash);
    }
}
