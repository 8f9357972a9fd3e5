namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// Reads what the server delivered into <c>&lt;data-dir&gt;/maildir/&lt;domain&gt;/&lt;localpart&gt;/new/</c>.
/// Addresses in the tests are plain lower-case ASCII, which the server keeps as folder names.
/// </summary>
internal sealed class Maildirs(string dataDir)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The <c>new/</c> folder of <paramref name="address"/>'s Maildir.</summary>
    public string NewFolder(string address)
    {
        var at = address.LastIndexOf('@');
        return Path.Combine(dataDir, "maildir", address[(at + 1)..].ToLowerInvariant(), address[..at].ToLowerInvariant(), "new");
    }

    /// <summary>The messages in <paramref name="address"/>'s <c>new/</c> folder now, by file name.</summary>
    public IReadOnlyList<string> Files(string address)
    {
        var folder = NewFolder(address);
        if (!Directory.Exists(folder)) return [];
        var files = Directory.GetFiles(folder);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Waits (bounded) until <paramref name="address"/> has at least <paramref name="count"/> messages, and returns them.</summary>
    public Task<IReadOnlyList<string>> WaitForFilesAsync(string address, int count) =>
        Poll.UntilAsync(() => Files(address), files => files.Count >= count, DeliveryTimeout,
            files => $"{address} has {files.Count} of {count} expected messages in {NewFolder(address)}");

    /// <summary>Waits (bounded) for the one message delivered to <paramref name="address"/> and returns its bytes.</summary>
    public async Task<byte[]> WaitForSingleMessageAsync(string address)
    {
        var files = await WaitForFilesAsync(address, 1);
        return await File.ReadAllBytesAsync(Xunit.Assert.Single(files));
    }
}
