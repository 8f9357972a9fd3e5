using System.Buffers;

namespace Mta.Core.Spool;

/// <summary>
/// Collects one message body and appends it to the spool in chunks of up to
/// <see cref="ChunkSize"/> octets, so a body is never held whole in memory. The caller writes
/// through <see cref="IBufferWriter{T}"/> and calls <see cref="FlushAsync"/> whenever
/// <see cref="Buffered"/> reaches <see cref="ChunkSize"/>.
/// </summary>
public sealed class SpoolBodyWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>Octets buffered before the caller should flush.</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly SpoolStore _store;
    private readonly List<SpoolExtent> _extents = new(1);
    private readonly List<SpoolStore.Segment> _segments = new(1);
    private byte[] _buffer;
    private int _count;
    private long _length;
    private bool _finished;

    internal SpoolBodyWriter(SpoolStore store)
    {
        _store = store;
        _buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
    }

    /// <summary>Octets waiting in memory.</summary>
    public int Buffered => _count;

    /// <summary>Octets written so far, flushed or not.</summary>
    public long Length => _length + _count;

    /// <inheritdoc />
    public void Advance(int count) => _count += count;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Appends what is buffered to the current segment.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_count == 0) return;
        var previous = _segments.Count == 0 ? null : _segments[^1];
        var (segment, offset) = _store.Reserve(_count, previous);
        if (!ReferenceEquals(segment, previous)) _segments.Add(segment);
        await RandomAccess.WriteAsync(segment.Handle, _buffer.AsMemory(0, _count), offset, cancellationToken).ConfigureAwait(false);
        segment.MarkDirty();
        if (_extents.Count > 0 && _extents[^1] is var last && last.Segment == segment.Id && last.Offset + last.Length == offset)
            _extents[^1] = last with { Length = last.Length + _count };
        else
            _extents.Add(new SpoolExtent(segment.Id, offset, _count));
        _length += _count;
        _count = 0;
    }

    /// <summary>
    /// Writes the rest, gives the buffer back and describes where the body lives. It is durable
    /// only after the next <see cref="SpoolStore.SyncAsync"/>.
    /// </summary>
    public async ValueTask<SpoolBody> CompleteAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        ReturnBuffer();
        return new SpoolBody(_extents.ToArray(), _length);
    }

    /// <summary>
    /// The body is either committed (the queue now holds a reference to it) or abandoned: the
    /// writer stops holding its segments open. Idempotent.
    /// </summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        foreach (var segment in _segments) _store.RemoveWriter(segment);
        _segments.Clear();
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint <= 0) sizeHint = 1;
        if (_buffer.Length - _count >= sizeHint) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _count + sizeHint));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Returns the buffer and, if not done yet, abandons the body.</summary>
    public void Dispose()
    {
        Finish();
        ReturnBuffer();
    }

    private void ReturnBuffer()
    {
        var buffer = Interlocked.Exchange(ref _buffer, Array.Empty<byte>());
        _count = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
