namespace Mta.Core.Spool;

/// <summary>Reads a stored body extent by extent with positional reads; never loads it whole.</summary>
internal sealed class SpoolReadStream(SpoolStore store, SpoolBody body) : Stream
{
    private int _extent;
    private int _offsetInExtent;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => body.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (!Next(buffer.Length, out var extent, out var count)) return 0;
        var read = RandomAccess.Read(store.HandleOf(extent.Segment), buffer[..count], extent.Offset + _offsetInExtent);
        return Advance(read);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Next(buffer.Length, out var extent, out var count)) return 0;
        var read = await RandomAccess.ReadAsync(store.HandleOf(extent.Segment), buffer[..count], extent.Offset + _offsetInExtent, cancellationToken).ConfigureAwait(false);
        return Advance(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private bool Next(int wanted, out SpoolExtent extent, out int count)
    {
        while (_extent < body.Extents.Length && _offsetInExtent == body.Extents[_extent].Length)
        {
            _extent++;
            _offsetInExtent = 0;
        }
        if (_extent == body.Extents.Length || wanted == 0)
        {
            extent = default;
            count = 0;
            return false;
        }
        extent = body.Extents[_extent];
        count = Math.Min(wanted, extent.Length - _offsetInExtent);
        return true;
    }

    private int Advance(int read)
    {
        if (read == 0) throw new IOException("spool segment ends before the body does");
        _offsetInExtent += read;
        _position += read;
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
