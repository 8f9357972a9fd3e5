using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Mta.Core.IO;

/// <summary>
/// Durability primitives that .NET does not expose: fsync of a directory (so that a create or
/// rename inside it survives power loss) and fdatasync of an open file.
/// </summary>
public static partial class PosixFs
{
    private const int EINTR = 4;

    /// <summary>
    /// Flushes the entries of the directory at <paramref name="path"/> to stable storage, making
    /// files created, linked or renamed into it durable. On Windows this does nothing: NTFS
    /// commits such metadata through its own journal and offers no directory fsync.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed; the message
    /// carries the errno text and <see cref="Exception.HResult"/> the errno value.</exception>
    public static void FsyncDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd;
        do
        {
            fd = Open(path, OpenDirectoryFlags());
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            throw ErrnoException("open directory", path, Marshal.GetLastPInvokeError());
        }

        try
        {
            if (RetryOnInterrupt(() => Fsync(fd)) is var errno and not 0)
            {
                throw ErrnoException("fsync directory", path, errno);
            }
        }
        finally
        {
            // A failing close of a read-only descriptor loses nothing: the flush result is known.
            Close(fd);
        }
    }

    /// <summary>
    /// Flushes the data of an open file, and the metadata needed to read it back (its size), to
    /// stable storage: libc <c>fdatasync</c> on Linux, a full fsync elsewhere.
    /// </summary>
    /// <exception cref="IOException">The flush failed; the message carries the errno text and
    /// <see cref="Exception.HResult"/> the errno value.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public static void Fdatasync(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        var addedReference = false;
        try
        {
            handle.DangerousAddRef(ref addedReference);
            var fd = (int)handle.DangerousGetHandle();
            if (RetryOnInterrupt(() => FdatasyncNative(fd)) is var errno and not 0)
            {
                throw ErrnoException("fdatasync", path: null, errno);
            }
        }
        finally
        {
            if (addedReference)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Runs a libc call until it is not interrupted by a signal; returns 0 or the errno.</summary>
    private static int RetryOnInterrupt(Func<int> call)
    {
        while (true)
        {
            if (call() == 0)
            {
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return errno;
            }
        }
    }

    private static IOException ErrnoException(string operation, string? path, int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        var message = path is null ? $"{operation} failed: {text}" : $"{operation} '{path}' failed: {text}";
        return new IOException(message, errno);
    }

    /// <summary>O_RDONLY | O_DIRECTORY | O_CLOEXEC; the flag values differ between kernels and architectures.</summary>
    private static int OpenDirectoryFlags()
    {
        if (OperatingSystem.IsMacOS())
        {
            return 0x100000 | 0x1000000;
        }

        if (OperatingSystem.IsFreeBSD())
        {
            return 0x20000 | 0x100000;
        }

        // Linux: O_DIRECTORY is 0200000 on x86 and most others, 040000 on ARM; O_CLOEXEC is 02000000.
        var directory = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;
        return directory | 0x80000;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FdatasyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
