using System.Text;
using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>Mail from swaks, a client we did not write, into a local Maildir.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class SwaksDeliveryTests(LoopbackServerFixture server) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Theory]
    [InlineData("user@localhost", false)]
    [InlineData("user-pipelining@localhost", true)]
    public async Task A_message_sent_with_swaks_arrives_in_the_maildir_byte_for_byte_after_dot_unstuffing(string recipient, bool pipelining)
    {
        var content = TestMessages.TrickyContent(recipient, TestMessages.NewMessageId());
        var dataFile = Path.Combine(_folder.Path, "message.eml");
        // swaks takes a final "." line as the end of data and dot-stuffs every other line itself.
        await File.WriteAllBytesAsync(dataFile, Encoding.UTF8.GetBytes(content + ".\r\n"));

        string[] arguments = [
            "--server", $"127.0.0.1:{server.Port}", "--helo", RawSmtpConnection.ClientName,
            "--from", TestMessages.Sender, "--to", recipient, "--data", "@" + dataFile, "--timeout", "30"];

        var (exitCode, transcript) = await Swaks.RunAsync(pipelining ? [.. arguments, "--pipeline"] : arguments);

        Assert.True(exitCode == 0, transcript);
        var queueId = Regex.Match(transcript, @"<-  250 2\.0\.0 Ok: queued as (\S+)").Groups[1].Value;
        Assert.True(queueId.Length > 0, transcript);
        var file = await server.Maildirs.WaitForSingleMessageAsync(recipient);
        var delivered = DeliveredMessage.Parse(file);
        Assert.Equal($"<{TestMessages.Sender}>", delivered.ReturnPath);
        Assert.Equal(recipient, delivered.DeliveredTo);
        Assert.Matches(
            $@"^Received: from client\.example \(\S+ \[127\.0\.0\.1\]\)\r\n\tby mx\.test \(Mta\) with ESMTP id {Regex.Escape(queueId)}\r\n\tfor <{Regex.Escape(recipient)}>; [A-Z][a-z]{{2}}, \d{{1,2}} [A-Z][a-z]{{2}} \d{{4}} \d\d:\d\d:\d\d [+-]\d{{4}}$",
            delivered.Received);
        Assert.Equal(Encoding.UTF8.GetBytes(content), delivered.Content);
        var received = DeliveredMessage.HeaderFields(file).Where(f => f.StartsWith("Received:", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(2, received.Count);
        Assert.Single(received, f => f.Contains("by mx.test (Mta)", StringComparison.Ordinal));
        Assert.Equal(delivered.Received.Replace("\r\n", string.Empty, StringComparison.Ordinal), received[0]);
    }

    public void Dispose() => _folder.Dispose();
}
