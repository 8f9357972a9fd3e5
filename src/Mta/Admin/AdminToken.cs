using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Mta.Admin;

/// <summary>
/// The bearer token of the queue API. The node writes a fresh one at each start into a file only
/// its own user (and root) may read; <c>mta queue</c> reads it from there. Whoever can read the
/// file can read and delete mail, so the file's permissions are the access control.
/// </summary>
public static class AdminToken
{
    /// <summary>The only permissions the token file may have: read and write for its owner (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Random bytes in a token.</summary>
    public const int ByteLength = 32;

    /// <summary>A new token: <see cref="ByteLength"/> random bytes from the system's CSPRNG as lower-case hex.</summary>
    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(ByteLength));

    /// <summary>
    /// Writes <paramref name="token"/> into <paramref name="path"/> with mode 0600, creating the file
    /// (and its folder) when missing. An existing file with wider permissions is narrowed to 0600
    /// before the new token goes in, so the secret is never readable by others, not even briefly.
    /// </summary>
    /// <exception cref="AdminTokenException">The path is a symbolic link or not a regular file,
    /// its permissions cannot be narrowed, or the file cannot be written; the message names the file.</exception>
    public static void Write(string path, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(token);
        try
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
            var existing = new FileInfo(path);
            if (existing.LinkTarget is not null)
                throw new AdminTokenException(path, "it is a symbolic link; remove it so that the token cannot be written elsewhere");
            if (Directory.Exists(path))
                throw new AdminTokenException(path, "it is a folder; remove it or set mta.admin.token-file");
            if (existing.Exists && !OperatingSystem.IsWindows() && existing.UnixFileMode != FileMode)
                existing.UnixFileMode = FileMode;

            var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
            using var file = new FileStream(path, options);
            file.Write(Encoding.ASCII.GetBytes(token + "\n"));
            file.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminTokenException(path, e.Message, e);
        }
    }

    /// <summary>Reads the token written by <see cref="Write"/> (surrounding white space removed).</summary>
    /// <exception cref="FileNotFoundException">No token file (or no folder for it).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read by this user.</exception>
    /// <exception cref="IOException">The path is a folder, or any other read failure.</exception>
    public static string Read(string path)
    {
        // .NET reports opening a folder as "access denied", which would send the operator after permissions.
        if (Directory.Exists(path)) throw new IOException("it is a folder, not a file");
        try
        {
            return File.ReadAllText(path, Encoding.ASCII).Trim();
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException(e.Message, path, e);
        }
    }

    /// <summary>
    /// True when <paramref name="authorization"/> (an HTTP Authorization header value) is
    /// <c>Bearer</c> with exactly <paramref name="token"/>. The comparison takes the same time
    /// wherever the first difference is, so a client cannot guess the token byte by byte.
    /// </summary>
    public static bool Matches(string token, string? authorization)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header.Parameter), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>The token file cannot be made safe or written; the node does not start its admin endpoint.</summary>
public sealed class AdminTokenException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with the <paramref name="reason"/>.</summary>
    public AdminTokenException(string path, string reason, Exception? innerException = null)
        : base($"cannot write the admin token file {path}: {reason}", innerException)
    {
        Path = path;
    }

    /// <summary>The token file.</summary>
    public string Path { get; }
}
