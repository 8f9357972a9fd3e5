using Microsoft.Extensions.Time.Testing;
using Mta.Core.Queue;
using Xunit;

namespace Mta.Core.Tests.Queue;

public sealed class QueueIdGeneratorTests
{
    [Fact]
    public void Ids_are_unique_and_ordered_even_when_the_clock_stands_still()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var ids = new QueueIdGenerator(clock);
        var generated = Enumerable.Range(0, 10_000).Select(_ => ids.Next()).ToList();
        Assert.Equal(generated.Count, generated.Distinct().Count());
        Assert.Equal(generated.OrderBy(i => i, StringComparer.Ordinal), generated);
    }

    [Fact]
    public void Ids_never_go_back_when_the_clock_does()
    {
        var clock = new SettableClock { Now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero) };
        var ids = new QueueIdGenerator(clock);
        var first = ids.Next();
        clock.Now = clock.Now.AddMinutes(-5);
        Assert.True(string.CompareOrdinal(ids.Next(), first) > 0);
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Ids_are_thirteen_filename_safe_characters()
    {
        var id = new QueueIdGenerator(TimeProvider.System).Next();
        Assert.Equal(13, id.Length);
        Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
    }

    [Fact]
    public void Concurrent_generation_gives_distinct_ids()
    {
        var ids = new QueueIdGenerator(new FakeTimeProvider());
        var bag = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 2000; i++) bag.Add(ids.Next());
        });
        Assert.Equal(16000, bag.Distinct().Count());
    }
}
