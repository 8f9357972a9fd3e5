namespace Mta.Tls.Tests.Pki;

/// <summary>A folder under the system's temporary folder, removed with everything in it at the end.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    /// <summary>Creates an empty folder with a unique name.</summary>
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mta-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to a file of the folder and returns its full path.</summary>
    public string Write(string fileName, string text)
    {
        var file = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>The full path of a file in the folder (which need not exist).</summary>
    public string PathOf(string fileName) => System.IO.Path.Combine(Path, fileName);

    /// <summary>Removes the folder.</summary>
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
