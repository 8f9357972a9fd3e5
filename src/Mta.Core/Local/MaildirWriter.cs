using System.Buffers;
using System.IO.Enumeration;
using System.Text;
using Microsoft.Extensions.Logging;
using Mta.Core.IO;

namespace Mta.Core.Local;

/// <summary>
/// Delivers messages into Maildirs under <c>&lt;dataDir&gt;/maildir/&lt;domain&gt;/&lt;localpart&gt;</c>
/// the way Maildir requires: write into <c>tmp/</c>, fsync, link into <c>new/</c> without
/// overwriting, fsync <c>new/</c>. File names derive from queue id and recipient index, so a
/// replayed delivery is recognised instead of written twice. Thread-safe: concurrent deliveries,
/// including to the same mailbox, share no state.
/// </summary>
public sealed partial class MaildirWriter
{
    private const int CopyBufferSize = 64 * 1024;

    // errno values that IOException.HResult carries on Linux.
    private const int NoSpaceLeftOnDevice = 28;
    private const int DiskQuotaExceeded = 122;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode MessageFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly string[] MaildirSubfolders = ["tmp", "new", "cur"];

    private readonly string dataDir;
    private readonly string hostName;
    private readonly ILogger logger;
    private readonly TaskScheduler scheduler;

    /// <summary>Creates a writer for the Maildirs below <paramref name="dataDir"/>.</summary>
    /// <param name="dataDir">The data folder (mta.data-dir); Maildirs live in its <c>maildir/</c> folder.</param>
    /// <param name="hostName">This host's name (mta.myhostname); it ends every file name.</param>
    /// <param name="logger">Receives one line per delivery and per failure.</param>
    /// <param name="scheduler">Where the blocking file system work runs (fsync waits in the kernel):
    /// a <see cref="DedicatedThreadScheduler"/> in a running node; the thread pool when null.</param>
    /// <exception cref="ArgumentException">The data folder or host name is empty, or the host name
    /// holds a control character.</exception>
    public MaildirWriter(string dataDir, string hostName, ILogger logger, TaskScheduler? scheduler = null)
    {
        this.scheduler = scheduler ?? TaskScheduler.Default;
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(logger);
        MaildirPaths.EncodeHostName(hostName);
        this.dataDir = dataDir;
        this.hostName = hostName;
        this.logger = logger;
    }

    /// <summary>
    /// Writes <c>Return-Path:</c> and <c>Delivered-To:</c> followed by the stored message into the
    /// recipient's Maildir, creating the Maildir (mode 0700) when missing. Returns
    /// <see cref="MaildirOutcome.Delivered"/> once the file is durable in <c>new/</c>,
    /// <see cref="MaildirOutcome.AlreadyDelivered"/> without writing when this delivery's file is
    /// already in <c>new/</c> (or in <c>cur/</c> when <see cref="MaildirDelivery.CheckExisting"/>), and
    /// <see cref="MaildirOutcome.Failed"/> otherwise: permanent (5.1.x) for an unusable address,
    /// transient (4.x.x) for I/O errors such as a full disk. A failed attempt leaves no file behind.
    /// </summary>
    /// <exception cref="ArgumentException">The queue id or recipient index cannot name a file
    /// (see <see cref="MaildirPaths.DeliveryFileName"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled;
    /// the partial file has been removed and nothing was delivered.</exception>
    public Task<MaildirResult> DeliverAsync(MaildirDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return Task.Factory.StartNew(() => Deliver(delivery, cancellationToken), cancellationToken, TaskCreationOptions.DenyChildAttach, scheduler);
    }

    /// <summary>The delivery itself, blocking until the file is durable; see <see cref="DeliverAsync"/>.</summary>
    private MaildirResult Deliver(MaildirDelivery delivery, CancellationToken cancellationToken)
    {
        var fileName = MaildirPaths.DeliveryFileName(delivery.QueueId, delivery.RecipientIndex, hostName);

        string folder;
        try
        {
            folder = MaildirPaths.MailboxFolder(dataDir, delivery.Domain, delivery.LocalPart);
        }
        catch (ArgumentException exception)
        {
            return Fail(delivery, MaildirResult.Permanent($"5.1.3 Bad destination mailbox address: {exception.Message}"), exception);
        }

        if (HasLineBreakOrNul(delivery.ReturnPath))
        {
            return Fail(delivery, MaildirResult.Permanent("5.1.7 Bad sender address: line break or NUL in Return-Path"), exception: null);
        }

        if (HasLineBreakOrNul(delivery.DeliveredTo))
        {
            return Fail(delivery, MaildirResult.Permanent("5.1.3 Bad destination mailbox address: line break or NUL in Delivered-To"), exception: null);
        }

        var temporaryPath = Path.Combine(folder, "tmp", fileName);
        var newFolder = Path.Combine(folder, "new");
        var newPath = Path.Combine(newFolder, fileName);
        var ownsTemporaryFile = false;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            EnsureMaildir(folder);
            if (IsAlreadyDelivered(folder, fileName, delivery.CheckExisting))
            {
                // A rename whose directory fsync failed earlier is made durable now.
                PosixFs.FsyncDirectory(newFolder);
                LogAlreadyDelivered(logger, delivery.QueueId, delivery.RecipientIndex, folder);
                return MaildirResult.AlreadyDelivered;
            }

            using (var file = new FileStream(temporaryPath, TemporaryFileOptions))
            {
                ownsTemporaryFile = true;
                WriteMessage(file, delivery, cancellationToken);
                PosixFs.Fdatasync(file.SafeFileHandle);
            }

            try
            {
                File.Move(temporaryPath, newPath, overwrite: false);
            }
            catch (IOException) when (File.Exists(newPath))
            {
                // Another attempt of the same delivery won the race; its copy stands.
                PosixFs.FsyncDirectory(newFolder);
                LogAlreadyDelivered(logger, delivery.QueueId, delivery.RecipientIndex, folder);
                return MaildirResult.AlreadyDelivered;
            }

            ownsTemporaryFile = false;
            PosixFs.FsyncDirectory(newFolder);
            LogDelivered(logger, delivery.QueueId, delivery.RecipientIndex, newPath);
            return MaildirResult.Delivered;
        }
        catch (Exception exception) when (!(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return Fail(delivery, Classify(exception), exception);
        }
        finally
        {
            if (ownsTemporaryFile)
            {
                RemoveTemporaryFile(temporaryPath);
            }
        }
    }

    /// <summary>Exclusive (flock) so that two attempts of one delivery never write the same file.</summary>
    private static FileStreamOptions TemporaryFileOptions
    {
        get
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = MessageFileMode;
            }

            return options;
        }
    }

    private static bool HasLineBreakOrNul(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    /// <summary>
    /// Creates the Maildir root, the domain folder, the mailbox and its tmp/, new/ and cur/ (each
    /// 0700, since mail is private), then makes their creation durable up to the data folder.
    /// </summary>
    private void EnsureMaildir(string folder)
    {
        if (MaildirSubfolders.All(subfolder => Directory.Exists(Path.Combine(folder, subfolder))))
        {
            return;
        }

        var dataRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir));
        var domainFolder = Path.GetDirectoryName(folder)!;
        string[] outermostFirst =
            [Path.GetDirectoryName(domainFolder)!, domainFolder, folder, .. MaildirSubfolders.Select(subfolder => Path.Combine(folder, subfolder))];
        foreach (var directory in outermostFirst)
        {
            CreatePrivateDirectory(directory);
        }

        for (var directory = folder; directory is not null && directory.Length >= dataRoot.Length; directory = Path.GetDirectoryName(directory))
        {
            PosixFs.FsyncDirectory(directory);
        }
    }

    /// <summary>Creates one directory with mode 0700; an existing one keeps its mode.</summary>
    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    private static bool IsAlreadyDelivered(string folder, string fileName, bool checkCur)
    {
        if (File.Exists(Path.Combine(folder, "new", fileName)))
        {
            return true;
        }

        if (!checkCur)
        {
            return false;
        }

        // A mail reader moves new/<name> to cur/<name>:2,<flags>; match exactly, no wildcards.
        var prefixWithInfo = fileName + ":";
        var matches = new FileSystemEnumerable<bool>(
            Path.Combine(folder, "cur"),
            (ref FileSystemEntry _) => true,
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory
                && (entry.FileName.SequenceEqual(fileName) || entry.FileName.StartsWith(prefixWithInfo, StringComparison.Ordinal)),
        };
        return matches.Any();
    }

    /// <summary>
    /// Writes the two delivery headers and the stored message through one pooled buffer; the
    /// headers share the first write so a small message costs one write call.
    /// </summary>
    private static void WriteMessage(FileStream file, MaildirDelivery delivery, CancellationToken cancellationToken)
    {
        var headers = $"Return-Path: <{delivery.ReturnPath}>\r\nDelivered-To: {delivery.DeliveredTo}\r\n";
        var headerLength = Encoding.UTF8.GetByteCount(headers);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(CopyBufferSize, headerLength * 2));
        try
        {
            var filled = Encoding.UTF8.GetBytes(headers, buffer);
            using var body = delivery.OpenBody() ?? throw new InvalidOperationException("The message body could not be opened.");
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = body.Read(buffer.AsSpan(filled));
                if (read == 0)
                {
                    break;
                }

                filled += read;
                if (filled == buffer.Length)
                {
                    file.Write(buffer.AsSpan(0, filled));
                    filled = 0;
                }
            }

            if (filled > 0)
            {
                file.Write(buffer.AsSpan(0, filled));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static MaildirResult Classify(Exception exception) => exception switch
    {
        IOException { HResult: NoSpaceLeftOnDevice } => MaildirResult.Transient("4.3.0 Mail system full: no space left on device"),
        IOException { HResult: DiskQuotaExceeded } => MaildirResult.Transient("4.2.2 Mailbox full: disk quota exceeded"),
        _ => MaildirResult.Transient($"4.3.0 Maildir delivery failed: {exception.Message}"),
    };

    private MaildirResult Fail(MaildirDelivery delivery, MaildirResult result, Exception? exception)
    {
        LogFailed(logger, exception, delivery.QueueId, delivery.RecipientIndex, result.Error, result.IsTransient);
        return result;
    }

    private void RemoveTemporaryFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Maildir readers remove stale tmp/ files; the delivery result does not depend on it.
            LogTemporaryFileNotRemoved(logger, exception, path);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Delivered {QueueId} recipient {RecipientIndex} to {MaildirFile}")]
    private static partial void LogDelivered(ILogger logger, string queueId, int recipientIndex, string maildirFile);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Already delivered {QueueId} recipient {RecipientIndex} to {Mailbox}; not written again")]
    private static partial void LogAlreadyDelivered(ILogger logger, string queueId, int recipientIndex, string mailbox);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Maildir delivery of {QueueId} recipient {RecipientIndex} failed: {Error} (transient: {IsTransient})")]
    private static partial void LogFailed(ILogger logger, Exception? exception, string queueId, int recipientIndex, string? error, bool isTransient);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Could not remove temporary Maildir file {Path}")]
    private static partial void LogTemporaryFileNotRemoved(ILogger logger, Exception exception, string path);
}
