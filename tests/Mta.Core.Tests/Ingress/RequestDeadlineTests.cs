using Mta.Core.Ingress;
using Xunit;

namespace Mta.Core.Tests.Ingress;

public sealed class RequestDeadlineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    [Fact]
    public void Command_must_arrive_whole_within_the_timeout_however_it_trickles()
    {
        var deadline = new RequestDeadline(Timeout, perRequest: true, minDataRate: 500);
        deadline.Start(T0);
        deadline.OnCommandBytes(T0.AddSeconds(200));
        Assert.Equal(TimeSpan.FromSeconds(100), deadline.Remaining(T0.AddSeconds(200)));
        deadline.OnCommandBytes(T0.AddSeconds(299));
        Assert.True(deadline.Remaining(T0.AddSeconds(300)) <= TimeSpan.Zero);
    }

    [Fact]
    public void Content_earns_time_at_the_minimum_data_rate()
    {
        var deadline = new RequestDeadline(Timeout, perRequest: true, minDataRate: 500);
        deadline.Start(T0);
        // 100 s pass and 5000 octets arrive: 10 s of credit.
        deadline.OnContent(T0.AddSeconds(100), 5000);
        Assert.Equal(TimeSpan.FromSeconds(210), deadline.Remaining(T0.AddSeconds(100)));
    }

    [Fact]
    public void Credit_never_extends_beyond_the_timeout_from_now()
    {
        var deadline = new RequestDeadline(Timeout, perRequest: true, minDataRate: 500);
        deadline.Start(T0);
        deadline.OnContent(T0.AddSeconds(1), 10_000_000);
        Assert.Equal(Timeout, deadline.Remaining(T0.AddSeconds(1)));
    }

    [Fact]
    public void A_byte_at_a_time_runs_out_of_time()
    {
        var deadline = new RequestDeadline(TimeSpan.FromSeconds(10), perRequest: true, minDataRate: 500);
        deadline.Start(T0);
        var now = T0;
        var reads = 0;
        while (deadline.Remaining(now) > TimeSpan.Zero && reads < 1000)
        {
            now = now.AddSeconds(1);
            deadline.OnContent(now, 1);
            reads++;
        }
        Assert.InRange(reads, 10, 11);
    }

    [Fact]
    public void Without_per_request_deadlines_every_read_restarts_the_timeout()
    {
        var deadline = new RequestDeadline(Timeout, perRequest: false, minDataRate: 500);
        deadline.Start(T0);
        deadline.OnCommandBytes(T0.AddSeconds(290));
        Assert.Equal(Timeout, deadline.Remaining(T0.AddSeconds(290)));
        deadline.OnContent(T0.AddSeconds(580), 1);
        Assert.Equal(Timeout, deadline.Remaining(T0.AddSeconds(580)));
    }
}
