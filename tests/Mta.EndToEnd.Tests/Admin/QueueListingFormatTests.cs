using Mta.Admin;
using Mta.Core.Queue;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>What <c>mta queue list</c> and <c>show</c> print, as golden text.</summary>
public sealed class QueueListingFormatTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 11, 28, 20, 16, 47, TimeSpan.Zero);

    private static readonly MessageView Deferred = new("001M1CTJDWH70", 401, Arrival, "sender@client.example", Held: false,
    [
        new RecipientView("x@remote.example", RecipientStatus.Deferred, 2, Arrival.AddMinutes(10), "connect to 127.0.0.1[127.0.0.1]:25: Connection refused"),
        new RecipientView("y@localhost", RecipientStatus.Delivered, 1, null, null),
    ]);

    private static readonly MessageView HeldBounce = new("001M1CTJF0BHS", 2048, Arrival.ToOffset(TimeSpan.FromHours(2)), "", Held: true,
    [
        new RecipientView("z@remote.example", RecipientStatus.Pending, 0, null, null),
    ]);

    [Fact]
    public void An_empty_queue_is_said_as_postqueue_says_it()
    {
        Assert.Equal("Mail queue is empty\n", QueueListingFormat.List([]));
    }

    [Fact]
    public void The_listing_has_a_block_per_message_with_recipients_under_the_sender_and_a_total()
    {
        Assert.Equal(
            """
            -Queue ID-     --Size-- ----Arrival Time---- -Sender/Recipient-------
            001M1CTJDWH70       401 2026-11-28 20:16:47Z sender@client.example
                                                         x@remote.example  deferred, 2 attempts, next attempt 2026-11-28 20:26:47Z
                                                         (connect to 127.0.0.1[127.0.0.1]:25: Connection refused)
                                                         y@localhost  delivered, 1 attempt

            001M1CTJF0BHS!     2048 2026-11-28 20:16:47Z MAILER-DAEMON
                                                         z@remote.example  pending, 0 attempts

            -- 3 Kbytes in 2 Requests.

            """.ReplaceLineEndings("\n"),
            QueueListingFormat.List([Deferred, HeldBounce]));
    }

    [Theory]
    [InlineData(1, "-- 1 Kbytes in 1 Request.")]
    [InlineData(1024, "-- 1 Kbytes in 1 Request.")]
    [InlineData(1025, "-- 2 Kbytes in 1 Request.")]
    public void The_total_rounds_kilobytes_up(long size, string total)
    {
        var listing = QueueListingFormat.List([Deferred with { Size = size }]);

        Assert.EndsWith("\n" + total + "\n", listing, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_prints_every_field_of_the_message_and_its_recipients()
    {
        Assert.Equal(
            """
            queue id:     001M1CTJDWH70
            size:         401 bytes
            arrival:      2026-11-28 20:16:47Z
            sender:       sender@client.example
            held:         no
            recipient:    x@remote.example
              status:       deferred
              attempts:     2
              next attempt: 2026-11-28 20:26:47Z
              last error:   connect to 127.0.0.1[127.0.0.1]:25: Connection refused
            recipient:    y@localhost
              status:       delivered
              attempts:     1
              next attempt: -
              last error:   -

            """.ReplaceLineEndings("\n"),
            QueueListingFormat.Show(Deferred));
    }

    [Fact]
    public void Show_says_when_a_message_is_held_and_names_the_null_sender()
    {
        var shown = QueueListingFormat.Show(HeldBounce);

        Assert.Contains("sender:       MAILER-DAEMON\nheld:         yes\n", shown, StringComparison.Ordinal);
    }
}
