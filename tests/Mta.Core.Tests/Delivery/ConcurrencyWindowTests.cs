using Mta.Core.Delivery;
using Xunit;

namespace Mta.Core.Tests.Delivery;

public sealed class ConcurrencyWindowTests
{
    [Fact]
    public void Window_should_start_small_and_grow_by_one_per_success_up_to_the_limit()
    {
        var window = new ConcurrencyWindow(limit: 8);
        Assert.Equal(ConcurrencyWindow.Initial, window.Current);
        for (var i = 0; i < 10; i++) window.Success();
        Assert.Equal(8, window.Current);
    }

    [Fact]
    public void Window_should_never_start_above_a_small_limit()
    {
        Assert.Equal(2, new ConcurrencyWindow(limit: 2).Current);
    }

    [Fact]
    public void Failure_with_other_connections_busy_should_shrink_but_keep_the_destination_alive()
    {
        var window = new ConcurrencyWindow(limit: 20);
        window.Failure(busy: 3);
        window.Failure(busy: 3);
        Assert.Equal(ConcurrencyWindow.Initial - 2, window.Current);
        Assert.False(window.IsDead);
        for (var i = 0; i < 10; i++) window.Failure(busy: 1);
        Assert.Equal(1, window.Current);
        Assert.Equal(12, window.ConsecutiveFailures);
    }

    [Fact]
    public void Failure_of_the_last_connection_should_mark_the_destination_dead_until_revived()
    {
        var window = new ConcurrencyWindow(limit: 20);
        window.Failure(busy: 0);
        Assert.True(window.IsDead);
        Assert.Equal(0, window.Current);
        window.Revive();
        Assert.Equal(1, window.Current);
        window.Success();
        Assert.Equal(0, window.ConsecutiveFailures);
        Assert.Equal(2, window.Current);
    }
}
