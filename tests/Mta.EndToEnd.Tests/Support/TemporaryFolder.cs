namespace Mta.EndToEnd.Tests.Support;

/// <summary>A folder under the system's temporary folder, removed with everything in it at the end.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    /// <summary>Creates an empty folder with a unique name.</summary>
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mta-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Removes the folder.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the system's temporary folder is cleaned anyway.
        }
    }
}
