using Mta.Admin;
using Mta.Core.Queue;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary><c>mta queue ...</c> run as a process against a running node, as an operator runs it.</summary>
[Collection(AdminServerCollection.Name)]
public sealed class QueueCommandTests(AdminServerFixture server)
{
    [Fact]
    public async Task List_shows_a_deferred_message_with_its_recipient_state_and_last_error()
    {
        var message = await server.SendDeferredMessageAsync();
        var recipient = message.Recipients[0];

        var list = await MtaCli.QueueAsync(server.ConfigFile, "list");

        Assert.True(list.ExitCode == 0, list.ToString());
        var block = BlockOf(list.Output, message.QueueId);
        Assert.Matches($@"^{message.QueueId} +{message.Size} \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ {TestMessages.Sender}$", block[0]);
        Assert.Matches($@"^ +{recipient.Address}  deferred, \d+ attempts?, next attempt \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$", block[1]);
        Assert.Equal($"({recipient.LastError})", block[2].Trim());
        Assert.StartsWith("-Queue ID-", list.Output, StringComparison.Ordinal);
        Assert.Matches(@"\n-- \d+ Kbytes in \d+ Requests?\.\n$", list.Output);
    }

    [Fact]
    public async Task Show_prints_every_field_of_one_message()
    {
        var message = await server.SendDeferredMessageAsync();

        var show = await MtaCli.QueueAsync(server.ConfigFile, "show", message.QueueId);

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains($"queue id:     {message.QueueId}\n", show.Output, StringComparison.Ordinal);
        Assert.Contains($"size:         {message.Size} bytes\n", show.Output, StringComparison.Ordinal);
        Assert.Contains($"sender:       {TestMessages.Sender}\n", show.Output, StringComparison.Ordinal);
        Assert.Contains("held:         no\n", show.Output, StringComparison.Ordinal);
        Assert.Contains($"recipient:    {message.Recipients[0].Address}\n  status:       deferred\n", show.Output, StringComparison.Ordinal);
        Assert.Contains($"  last error:   {message.Recipients[0].LastError}\n", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_keeps_a_message_marked_in_the_list_until_release()
    {
        var message = await server.SendDeferredMessageAsync();

        var hold = await MtaCli.QueueAsync(server.ConfigFile, "hold", message.QueueId);
        var heldList = await MtaCli.QueueAsync(server.ConfigFile, "list");
        var release = await MtaCli.QueueAsync(server.ConfigFile, "release", message.QueueId);
        var releasedList = await MtaCli.QueueAsync(server.ConfigFile, "list");

        Assert.Equal(new CliRun(0, $"{message.QueueId}: placed on hold\n", ""), hold);
        Assert.StartsWith(message.QueueId + QueueListingFormat.HeldMark + " ", BlockOf(heldList.Output, message.QueueId)[0], StringComparison.Ordinal);
        Assert.Equal(new CliRun(0, $"{message.QueueId}: released from hold\n", ""), release);
        Assert.StartsWith(message.QueueId + " ", BlockOf(releasedList.Output, message.QueueId)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flush_retries_deferred_recipients_now()
    {
        var message = await server.SendDeferredMessageAsync();
        var attempts = message.Recipients[0].Attempts;

        var flush = await MtaCli.QueueAsync(server.ConfigFile, "flush");

        Assert.True(flush.ExitCode == 0, flush.ToString());
        Assert.Matches(@"^\d+ deferred recipients scheduled for delivery now\n$", flush.Output);
        var retried = await server.WaitForMessageAsync(message.QueueId,
            m => m.Recipients[0].Attempts > attempts && m.Recipients[0].Status == RecipientStatus.Deferred, "tried again");
        Assert.True(retried.Recipients[0].NextAttempt > DateTimeOffset.UtcNow, "the retried recipient is deferred to a later attempt");
    }

    [Fact]
    public async Task Delete_removes_a_message_from_the_queue()
    {
        var message = await server.SendDeferredMessageAsync();

        var delete = await MtaCli.QueueAsync(server.ConfigFile, "delete", message.QueueId);
        var list = await MtaCli.QueueAsync(server.ConfigFile, "list");
        var show = await MtaCli.QueueAsync(server.ConfigFile, "show", message.QueueId);

        Assert.Equal(new CliRun(0, $"{message.QueueId}: deleted\n", ""), delete);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.DoesNotContain(message.QueueId, list.Output, StringComparison.Ordinal);
        Assert.Equal(new CliRun(1, "", $"mta: {message.QueueId}: no such message in the queue\n"), show);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("delete")]
    [InlineData("hold")]
    [InlineData("release")]
    public async Task A_verb_on_an_unknown_queue_id_exits_1_with_the_queue_s_text(string verb)
    {
        var run = await MtaCli.QueueAsync(server.ConfigFile, verb, "NOSUCHMESSAGE");

        Assert.Equal(new CliRun(1, "", "mta: NOSUCHMESSAGE: no such message in the queue\n"), run);
    }

    /// <summary>The lines of the block of <paramref name="queueId"/> in a listing: its message line, then its recipients' lines.</summary>
    private static string[] BlockOf(string listing, string queueId)
    {
        var blocks = listing.Split("\n\n");
        var block = blocks.SingleOrDefault(b => b.Split('\n').Any(line => line.StartsWith(queueId, StringComparison.Ordinal)))
            ?? throw new Xunit.Sdk.XunitException($"no block for {queueId} in the listing:\n{listing}");
        return block.Split('\n').SkipWhile(line => !line.StartsWith(queueId, StringComparison.Ordinal)).ToArray();
    }
}
