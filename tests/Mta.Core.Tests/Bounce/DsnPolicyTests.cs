using Mta.Core.Bounce;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Bounce;

public sealed class DsnPolicyTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 11, 28, 20, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("", false)]
    [InlineData("<>", false)]
    [InlineData("MAILER-DAEMON", false)]
    [InlineData("MAILER-DAEMON@mx.example", false)]
    [InlineData("mailer-daemon@other.example", false)]
    [InlineData("Mailer-Daemon@other.example", false)]
    [InlineData("sender@example.org", true)]
    [InlineData("postmaster@example.org", true)]
    [InlineData("mailer-daemon-fan@example.org", true)]
    [InlineData("x.mailer-daemon@example.org", true)]
    public void A_bounce_is_never_bounced(string sender, bool expected)
    {
        Assert.Equal(expected, DsnPolicy.ShouldBounce(sender));
    }

    [Theory]
    [InlineData("", DsnKind.Failure, true)]
    [InlineData("MAILER-DAEMON@mx.example", DsnKind.Failure, true)]
    [InlineData("", DsnKind.Delay, false)]
    [InlineData("", DsnKind.Success, false)]
    [InlineData("sender@example.org", DsnKind.Failure, false)]
    [InlineData("sender@example.org", DsnKind.Delay, false)]
    public void Only_a_failed_bounce_is_a_double_bounce(string sender, DsnKind kind, bool expected)
    {
        Assert.Equal(expected, DsnPolicy.IsDoubleBounce(sender, kind));
    }

    public static TheoryData<DsnNotify, bool, bool, bool, bool> NotifyTable => new()
    {
        // notify, delay warnings on, failure, delay, success
        { DsnNotify.Unspecified, false, true, false, false },
        { DsnNotify.Unspecified, true, true, true, false },
        { DsnNotify.Never, false, false, false, false },
        { DsnNotify.Never, true, false, false, false },
        { DsnNotify.Failure, true, true, false, false },
        { DsnNotify.Delay, true, false, true, false },
        { DsnNotify.Delay, false, false, false, false },
        { DsnNotify.Success, true, false, false, true },
        { DsnNotify.Success, false, false, false, true },
        { DsnNotify.Failure | DsnNotify.Delay, true, true, true, false },
        { DsnNotify.Failure | DsnNotify.Delay, false, true, false, false },
        { DsnNotify.Success | DsnNotify.Failure, true, true, false, true },
        { DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, true, true, true, true },
    };

    [Theory]
    [MemberData(nameof(NotifyTable))]
    public void Notify_selects_the_notifications_a_recipient_gets(
        DsnNotify notify, bool delayWarnings, bool failure, bool delay, bool success)
    {
        Assert.Equal(failure, DsnPolicy.ShouldNotify(notify, DsnKind.Failure, delayWarnings));
        Assert.Equal(delay, DsnPolicy.ShouldNotify(notify, DsnKind.Delay, delayWarnings));
        Assert.Equal(success, DsnPolicy.ShouldNotify(notify, DsnKind.Success, delayWarnings));
    }

    [Theory]
    [InlineData(240, 4.0, false, true)]
    [InlineData(239, 4.0, false, false)]
    [InlineData(300, 4.0, false, true)]
    [InlineData(300, 4.0, true, false)]
    [InlineData(10_000, null, false, false)]
    [InlineData(10_000, 0.0, false, false)]
    [InlineData(10_000, -1.0, false, false)]
    [InlineData(0, 0.5, false, false)]
    [InlineData(30, 0.5, false, true)]
    public void Delay_warning_is_due_once_after_the_delay_warning_time(
        int minutesSinceArrival, double? warningHours, bool alreadyWarned, bool expected)
    {
        var warningTime = warningHours is { } hours ? TimeSpan.FromHours(hours) : (TimeSpan?)null;
        var now = Arrival.AddMinutes(minutesSinceArrival);

        Assert.Equal(expected, DsnPolicy.DelayWarningDue(Arrival, now, warningTime, alreadyWarned));
    }

    [Fact]
    public void Delay_warning_is_not_due_when_the_clock_is_behind_the_arrival()
    {
        Assert.False(DsnPolicy.DelayWarningDue(Arrival, Arrival.AddHours(-5), TimeSpan.FromHours(4), alreadyWarned: false));
    }
}
