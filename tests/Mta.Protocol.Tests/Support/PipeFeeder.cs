using System.Buffers;

namespace Mta.Protocol.Tests.Support;

/// <summary>
/// Feeds bytes in chunks the way a PipeReader does: what a consumer leaves unconsumed is presented
/// again, in front of the next chunk and in a separate segment.
/// </summary>
internal static class PipeFeeder
{
    /// <summary>A consumer that takes what it can from the buffer and advances it.</summary>
    public delegate void Consumer(ref ReadOnlySequence<byte> buffer);

    /// <summary>Feeds the chunks in order; returns the bytes left unconsumed at the end.</summary>
    public static byte[] Feed(IEnumerable<byte[]> chunks, Consumer consume)
    {
        byte[] leftover = [];
        foreach (byte[] chunk in chunks)
        {
            ReadOnlySequence<byte> buffer = leftover.Length == 0 ? Sequences.Of(chunk) : Sequences.Of(leftover, chunk);
            consume(ref buffer);
            leftover = buffer.ToArray();
        }

        return leftover;
    }

    /// <summary>One chunk holding everything.</summary>
    public static IEnumerable<byte[]> Whole(byte[] data) => [data];

    /// <summary>One chunk per byte.</summary>
    public static IEnumerable<byte[]> ByteByByte(byte[] data)
    {
        foreach (byte b in data)
        {
            yield return [b];
        }
    }

    /// <summary>Two chunks, cut at <paramref name="position"/>.</summary>
    public static IEnumerable<byte[]> TwoChunks(byte[] data, int position) => [data[..position], data[position..]];
}
