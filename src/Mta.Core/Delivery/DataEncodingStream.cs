using System.IO.Pipelines;
using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>
/// A write-only stream that passes what is written through a <see cref="DataEncoder"/> into the
/// connection's output, flushing each time a chunk has gathered. It lets a writer that wants a
/// <see cref="Stream"/> (MimeKit writing a converted message) send canonical DATA content.
/// </summary>
internal sealed class DataEncodingStream(
    DataEncoder encoder,
    PipeWriter output,
    Func<CancellationToken, ValueTask> flush,
    int chunkOctets) : Stream
{
    private long _flushedUpTo;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer) => encoder.Encode(buffer, output);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        encoder.Encode(buffer.Span, output);
        if (encoder.BytesWritten - _flushedUpTo >= chunkOctets)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (encoder.BytesWritten > _flushedUpTo)
        {
            await flush(cancellationToken).ConfigureAwait(false);
            _flushedUpTo = encoder.BytesWritten;
        }
    }

    // Synchronous flushing would block a thread on the network; what is written goes out with the next asynchronous flush.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
