using Mta.Core.Queue;
using Xunit;

namespace Mta.Core.Tests.Queue;

public sealed class RetryScheduleTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(4000);

    [Theory]
    [InlineData(0, 300)]
    [InlineData(1, 300)]
    [InlineData(2, 600)]
    [InlineData(3, 1200)]
    [InlineData(4, 2400)]
    [InlineData(5, 4000)]
    [InlineData(50, 4000)]
    public void Backoff_doubles_from_minimal_to_maximal_without_jitter(int attempts, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetrySchedule.Backoff(attempts, Min, Max, 0.5));
    }

    [Theory]
    [InlineData(2, 0.0, 540)]
    [InlineData(2, 0.999999, 660)]
    [InlineData(1, 0.0, 300)]
    [InlineData(9, 0.999999, 4000)]
    public void Jitter_moves_the_delay_by_at_most_ten_percent_and_stays_within_bounds(int attempts, double random, int seconds)
    {
        Assert.Equal(seconds, RetrySchedule.Backoff(attempts, Min, Max, random).TotalSeconds, precision: 0);
    }

    [Fact]
    public void Expiry_is_measured_from_arrival()
    {
        var arrival = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.False(RetrySchedule.HasExpired(arrival, arrival.AddDays(5).AddSeconds(-1), TimeSpan.FromDays(5)));
        Assert.True(RetrySchedule.HasExpired(arrival, arrival.AddDays(5), TimeSpan.FromDays(5)));
    }
}
