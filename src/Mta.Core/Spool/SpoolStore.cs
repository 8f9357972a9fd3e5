using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Mta.Core.IO;

namespace Mta.Core.Spool;

/// <summary>
/// Message bodies appended to shared segment files. Many sessions write concurrently at offsets
/// reserved under a lock; one <see cref="SyncAsync"/> makes everything written so far durable,
/// which is what lets a group commit cover many messages with one fdatasync per segment.
/// A segment is removed once it is sealed, no writer has uncommitted data in it and no queued
/// message refers to it.
/// </summary>
public sealed class SpoolStore : IDisposable
{
    private const string Prefix = "seg-";
    private const string Suffix = ".dat";

    private readonly object _gate = new();
    private readonly Dictionary<long, Segment> _segments = new();
    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly ILogger _logger;
    private readonly TaskScheduler _syncScheduler;
    private Segment? _current;
    private long _nextId;
    private long _freeSpace;
    private long _freeSpaceCheckedAt = -10_000;

    /// <summary>Opens the spool folder; segments found there are sealed until <see cref="Recover"/> decides their fate.</summary>
    /// <param name="directory">The spool folder.</param>
    /// <param name="segmentSize">Size at which a segment is sealed and a new one started.</param>
    /// <param name="logger">Receives removals and failures.</param>
    /// <param name="syncScheduler">Where fdatasync runs (it blocks in the kernel): dedicated threads in a running node, the thread pool when null.</param>
    public SpoolStore(string directory, long segmentSize, ILogger logger, TaskScheduler? syncScheduler = null)
    {
        _syncScheduler = syncScheduler ?? TaskScheduler.Default;
        _directory = directory;
        _segmentSize = segmentSize;
        _logger = logger;
        Directory.CreateDirectory(directory);
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            var name = Path.GetFileName(path);
            if (!long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                continue;
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _segments[id] = new Segment(id, path, handle) { Sealed = true, Tail = RandomAccess.GetLength(handle) };
            _nextId = Math.Max(_nextId, id + 1);
        }
    }

    /// <summary>Segment ids currently on disk.</summary>
    public IReadOnlyCollection<long> SegmentIds
    {
        get { lock (_gate) return _segments.Keys.ToArray(); }
    }

    /// <summary>
    /// After queue recovery: records how many committed messages refer to each segment and
    /// removes the segments no committed message refers to (bodies of messages that never got
    /// their 250).
    /// </summary>
    public void Recover(IReadOnlyDictionary<long, int> liveMessagesBySegment)
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values.ToArray())
            {
                segment.Live = liveMessagesBySegment.GetValueOrDefault(segment.Id);
                if (segment.Live == 0)
                    _logger.LogInformation("Spool segment {Segment} holds no committed message; removing it", segment.Id);
                TryRemoveLocked(segment);
            }
        }
    }

    /// <summary>A writer for one message body.</summary>
    public SpoolBodyWriter CreateWriter() => new(this);

    /// <summary>Free space on the spool's file system, measured at most once a second.</summary>
    public long AvailableFreeSpace
    {
        get
        {
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _freeSpaceCheckedAt) > 1000)
            {
                try
                {
                    Interlocked.Exchange(ref _freeSpace, new DriveInfo(_directory).AvailableFreeSpace);
                }
                catch (IOException)
                {
                    Interlocked.Exchange(ref _freeSpace, 0);
                }
                Interlocked.Exchange(ref _freeSpaceCheckedAt, now);
            }
            return Interlocked.Read(ref _freeSpace);
        }
    }

    /// <summary>Makes every completed write durable: one fdatasync per segment written since the last call.</summary>
    public async Task SyncAsync()
    {
        List<Segment>? dirty = null;
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                if (Interlocked.Exchange(ref segment.Dirty, 0) == 1)
                    (dirty ??= new List<Segment>(2)).Add(segment);
            }
        }
        if (dirty is null) return;
        var syncs = new Task[dirty.Count];
        for (var i = 0; i < dirty.Count; i++)
        {
            var segment = dirty[i];
            syncs[i] = Task.Factory.StartNew(() => Fdatasync(segment), CancellationToken.None, TaskCreationOptions.DenyChildAttach, _syncScheduler);
        }
        await Task.WhenAll(syncs).ConfigureAwait(false);
    }

    /// <summary>Counts a committed message against the segments its body lives in.</summary>
    public void Retain(SpoolBody body)
    {
        lock (_gate)
        {
            foreach (var id in body.Segments())
            {
                if (_segments.TryGetValue(id, out var segment)) segment.Live++;
            }
        }
    }

    /// <summary>The message no longer needs its body (every recipient is final and that is persisted).</summary>
    public void Release(SpoolBody body)
    {
        lock (_gate)
        {
            foreach (var id in body.Segments())
            {
                if (!_segments.TryGetValue(id, out var segment)) continue;
                segment.Live--;
                TryRemoveLocked(segment);
            }
        }
    }

    /// <summary>A read-only stream over a stored body.</summary>
    public Stream OpenRead(SpoolBody body) => new SpoolReadStream(this, body);

    internal SafeFileHandle HandleOf(long segmentId)
    {
        lock (_gate)
        {
            return _segments.TryGetValue(segmentId, out var segment)
                ? segment.Handle
                : throw new IOException($"spool segment {segmentId} is missing from {_directory}");
        }
    }

    /// <summary>
    /// Reserves room for one write. The writer is counted on the segment under the same lock,
    /// so the segment cannot be removed between the reservation and the write.
    /// </summary>
    internal (Segment Segment, long Offset) Reserve(int length, Segment? previous)
    {
        lock (_gate)
        {
            if (_current is null || (_current.Tail > 0 && _current.Tail + length > _segmentSize))
                Rotate();
            var segment = _current!;
            if (!ReferenceEquals(segment, previous)) segment.Writers++;
            var offset = segment.Tail;
            segment.Tail += length;
            return (segment, offset);
        }
    }

    internal void RemoveWriter(Segment segment)
    {
        lock (_gate)
        {
            segment.Writers--;
            TryRemoveLocked(segment);
        }
    }

    private void Rotate()
    {
        if (_current is not null)
        {
            _current.Sealed = true;
            TryRemoveLocked(_current);
        }
        var id = _nextId++;
        var path = Path.Combine(_directory, Prefix + id.ToString("D12", CultureInfo.InvariantCulture) + Suffix);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        // The new file's directory entry must be durable before any body in it is acknowledged.
        PosixFs.FsyncDirectory(_directory);
        _current = new Segment(id, path, handle);
        _segments[id] = _current;
    }

    private void TryRemoveLocked(Segment segment)
    {
        if (!segment.Sealed || segment.Writers > 0 || segment.Live > 0) return;
        _segments.Remove(segment.Id);
        segment.Handle.Dispose();
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException e)
        {
            _logger.LogWarning(e, "Could not remove spool segment {Path}", segment.Path);
        }
    }

    private static void Fdatasync(Segment segment)
    {
        try
        {
            PosixFs.Fdatasync(segment.Handle);
        }
        catch (ObjectDisposedException)
        {
            // Removed meanwhile: nothing in it is referenced any more.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values) segment.Handle.Dispose();
            _segments.Clear();
        }
    }

    internal sealed class Segment(long id, string path, SafeFileHandle handle)
    {
        public readonly long Id = id;
        public readonly string Path = path;
        public readonly SafeFileHandle Handle = handle;
        public long Tail;
        public bool Sealed;
        public int Writers;
        public int Live;
        public int Dirty;

        public void MarkDirty() => Volatile.Write(ref Dirty, 1);
    }
}
