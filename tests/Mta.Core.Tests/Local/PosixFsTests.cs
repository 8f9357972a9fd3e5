using Mta.Core.IO;
using Xunit;
using Mta.Core.Tests.Support;

namespace Mta.Core.Tests.Local;

public sealed class PosixFsTests : IDisposable
{
    private const int NoSuchFile = 2;
    private const int NotADirectory = 20;
    private const int InvalidArgument = 22;

    private readonly TemporaryDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Fsync_of_an_existing_directory_should_succeed()
    {
        File.WriteAllText(Path.Combine(folder.Path, "entry"), "x");

        PosixFs.FsyncDirectory(folder.Path);

        Assert.True(File.Exists(Path.Combine(folder.Path, "entry")));
    }

    [Fact]
    public void Fsync_of_a_missing_directory_should_throw_with_the_errno()
    {
        var missing = Path.Combine(folder.Path, "missing");

        var exception = Assert.Throws<IOException>(() => PosixFs.FsyncDirectory(missing));

        Assert.Equal(NoSuchFile, exception.HResult);
        Assert.Contains(missing, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fsync_directory_of_a_regular_file_should_throw_not_a_directory()
    {
        var file = Path.Combine(folder.Path, "file");
        File.WriteAllText(file, "x");

        var exception = Assert.Throws<IOException>(() => PosixFs.FsyncDirectory(file));

        Assert.Equal(NotADirectory, exception.HResult);
    }

    [Fact]
    public void Fdatasync_of_a_written_file_should_succeed()
    {
        var path = Path.Combine(folder.Path, "data");
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(handle, "durable"u8, fileOffset: 0);
            PosixFs.Fdatasync(handle);
        }

        Assert.Equal("durable", File.ReadAllText(path));
    }

    [Fact]
    public void Fdatasync_of_a_device_that_cannot_sync_should_throw_with_the_errno_text()
    {
        using var handle = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);

        var exception = Assert.Throws<IOException>(() => PosixFs.Fdatasync(handle));

        Assert.Equal(InvalidArgument, exception.HResult);
        Assert.StartsWith("fdatasync failed: ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fdatasync_of_a_closed_handle_should_throw()
    {
        var handle = File.OpenHandle(Path.Combine(folder.Path, "closed"), FileMode.CreateNew, FileAccess.Write);
        handle.Dispose();

        Assert.Throws<ObjectDisposedException>(() => PosixFs.Fdatasync(handle));
    }
}
