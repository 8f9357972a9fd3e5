using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Xunit;

namespace Mta.Core.Tests.Spool;

public sealed class SpoolStoreTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    private SpoolStore Open(long segmentSize = 1 << 20) => new(_dir.Path, segmentSize, NullLogger.Instance);

    /// <summary>Writes a body and, as the queue does once it is committed, counts it as live.</summary>
    private static async Task<SpoolBody> WriteAsync(SpoolStore store, string text, int flushEvery = int.MaxValue, bool commit = true)
    {
        using var writer = store.CreateWriter();
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var i = 0; i < bytes.Length; i += Math.Min(flushEvery, bytes.Length - i))
        {
            var n = Math.Min(flushEvery, bytes.Length - i);
            bytes.AsSpan(i, n).CopyTo(writer.GetSpan(n));
            writer.Advance(n);
            await writer.FlushAsync();
        }
        var body = await writer.CompleteAsync();
        if (commit) store.Retain(body);
        return body;
    }

    private static string Read(SpoolStore store, SpoolBody body)
    {
        using var stream = store.OpenRead(body);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Body_should_read_back_exactly_as_written()
    {
        using var store = Open();
        var body = await WriteAsync(store, "Subject: hi\r\n\r\nhello\r\n");
        Assert.Equal(22, body.Length);
        Assert.Single(body.Extents);
        Assert.Equal("Subject: hi\r\n\r\nhello\r\n", Read(store, body));
    }

    [Fact]
    public async Task Contiguous_flushes_of_one_writer_merge_into_one_extent()
    {
        using var store = Open();
        var body = await WriteAsync(store, new string('x', 1000), flushEvery: 100);
        Assert.Single(body.Extents);
        Assert.Equal(new string('x', 1000), Read(store, body));
    }

    [Fact]
    public async Task Interleaved_writers_keep_their_bodies_apart()
    {
        using var store = Open();
        using var a = store.CreateWriter();
        using var b = store.CreateWriter();
        for (var i = 0; i < 5; i++)
        {
            a.Write("aaaa"u8);
            await a.FlushAsync();
            b.Write("bbbb"u8);
            await b.FlushAsync();
        }
        var bodyA = await a.CompleteAsync();
        var bodyB = await b.CompleteAsync();
        Assert.Equal(5, bodyA.Extents.Length);
        Assert.Equal(new string('a', 20), Read(store, bodyA));
        Assert.Equal(new string('b', 20), Read(store, bodyB));
    }

    [Fact]
    public async Task Segments_rotate_at_the_configured_size_and_bodies_may_span_them()
    {
        using var store = Open(segmentSize: 64);
        var text = string.Concat(Enumerable.Range(0, 20).Select(i => $"line {i:00}\r\n"));
        var body = await WriteAsync(store, text, flushEvery: 40);
        Assert.True(body.Segments().Count() > 1);
        Assert.Equal(text, Read(store, body));
    }

    [Fact]
    public async Task Recovery_removes_segments_that_no_committed_message_uses()
    {
        SpoolBody kept;
        using (var store = Open(segmentSize: 16))
        {
            kept = await WriteAsync(store, "0123456789abcdef");
            await WriteAsync(store, "never committed!", commit: false);
            await store.SyncAsync();
            Assert.Equal(2, store.SegmentIds.Count);
        }
        using (var reopened = Open(segmentSize: 16))
        {
            reopened.Recover(new Dictionary<long, int> { [kept.Extents[0].Segment] = 1 });
            Assert.Equal([kept.Extents[0].Segment], reopened.SegmentIds);
            Assert.Equal("0123456789abcdef", Read(reopened, kept));
        }
    }

    [Fact]
    public async Task Sealed_segment_is_removed_when_its_last_message_is_released()
    {
        using var store = Open(segmentSize: 16);
        using var writer = store.CreateWriter();
        writer.Write("0123456789abcdef"u8);
        var body = await writer.CompleteAsync();
        store.Retain(body);
        writer.Finish();
        await WriteAsync(store, "next segment....", commit: false);
        var segment = body.Extents[0].Segment;
        Assert.Contains(segment, store.SegmentIds);
        store.Release(body);
        Assert.DoesNotContain(segment, store.SegmentIds);
        Assert.False(File.Exists(Path.Combine(_dir.Path, $"seg-{segment:D12}.dat")));
    }

    [Fact]
    public async Task Segment_with_an_unfinished_writer_is_not_removed()
    {
        using var store = Open(segmentSize: 16);
        var writer = store.CreateWriter();
        writer.Write("0123456789abcdef"u8);
        var body = await writer.CompleteAsync();
        await WriteAsync(store, "rotates segment.", commit: false);
        Assert.Contains(body.Extents[0].Segment, store.SegmentIds);
        writer.Dispose();
        Assert.DoesNotContain(body.Extents[0].Segment, store.SegmentIds);
    }

    [Fact]
    public async Task Sync_after_writes_succeeds_and_a_sync_with_nothing_written_is_a_no_op()
    {
        using var store = Open();
        await store.SyncAsync();
        await WriteAsync(store, "data");
        await store.SyncAsync();
        await store.SyncAsync();
    }

    public void Dispose() => _dir.Dispose();
}
