namespace Mta.EndToEnd.Tests.Support;

/// <summary>Checks that a refused message was not delivered after all.</summary>
internal static class NothingElse
{
    /// <summary>
    /// Sends a marker message to <paramref name="recipient"/> on a new connection, waits until it is
    /// in the Maildir, and then requires it to be the only message there. A message wrongly accepted
    /// earlier was queued before the marker, so waiting for the marker gives it the time to show up
    /// without a fixed sleep.
    /// </summary>
    public static async Task AssertOnlyMarkerArrivesAsync(int port, Maildirs maildirs, string recipient)
    {
        var markerId = TestMessages.NewMessageId();
        await using (var connection = await RawSmtpConnection.OpenAsync(port))
            RawSmtpConnection.Expect(await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, markerId)), 250);
        var file = await maildirs.WaitForSingleMessageAsync(recipient);
        Xunit.Assert.Equal(markerId, DeliveredMessage.HeaderValue(DeliveredMessage.Parse(file).Content, "Message-ID"));
    }
}
