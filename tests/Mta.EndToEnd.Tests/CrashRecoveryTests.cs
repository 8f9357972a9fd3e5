using System.Collections.Concurrent;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// The durability contract: a 250 after DATA means the message survives kill -9. Clients send
/// while the server is killed; after a restart on the same data folder every acknowledged message
/// is delivered, and none twice.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Senders = 20;
    private const int MessageBudget = 2000;
    private const string Recipient = "crash@localhost";
    private static readonly TimeSpan SendingTime = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _folder = new();
    private readonly ConcurrentDictionary<string, byte> _acknowledged = new();
    private readonly TaskCompletionSource _budgetSpent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _killed;

    [Fact]
    public async Task Every_message_acknowledged_before_a_SIGKILL_is_delivered_exactly_once_after_a_restart()
    {
        var port = MtaServerProcess.FreePort();
        await using (var first = await MtaServerProcess.StartAsync(_folder.Path, port, testOutput: output))
        {
            var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(() => SendUntilTheServerDiesAsync(port))).ToArray();
            // The load runs for a bounded time (or message count); the kill lands while it is running.
            await Task.WhenAny(Task.Delay(SendingTime), _budgetSpent.Task, Task.WhenAll(senders));
            _killed = true;
            await first.KillAsync();
            await Task.WhenAll(senders);
        }
        Assert.NotEmpty(_acknowledged);

        await using var second = await MtaServerProcess.StartAsync(_folder.Path, port, testOutput: output);
        var delivered = new Dictionary<string, string?>(StringComparer.Ordinal);
        await Poll.UntilAsync(
            () => DeliveredMessageIds(second.Maildirs, delivered),
            ids => _acknowledged.Keys.All(ids.Contains),
            RecoveryTimeout,
            ids => $"{_acknowledged.Keys.Count(id => !ids.Contains(id))} of {_acknowledged.Count} acknowledged messages missing after the restart");

        output.WriteLine($"{_acknowledged.Count} messages acknowledged before the kill, {delivered.Count} delivered after the restart");
        var copies = delivered.Values.GroupBy(id => id ?? "(no Message-ID)").ToDictionary(g => g.Key, g => g.Count());
        Assert.All(_acknowledged.Keys, id => Assert.Equal(1, copies[id]));
        Assert.DoesNotContain(copies, c => c.Value > 1);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Message-IDs of the files in the recipient's new/ folder; files already read are not read again.</summary>
    private static HashSet<string> DeliveredMessageIds(Maildirs maildirs, Dictionary<string, string?> byFile)
    {
        foreach (var file in maildirs.Files(Recipient))
        {
            if (!byFile.ContainsKey(file))
                byFile[file] = DeliveredMessage.HeaderValue(DeliveredMessage.Parse(File.ReadAllBytes(file)).Content, "Message-ID");
        }
        return byFile.Values.OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends message after message on one connection and records each Message-ID that got 250.
    /// Any failure before the kill fails the test; after it, failures are what the kill causes.
    /// </summary>
    private async Task SendUntilTheServerDiesAsync(int port)
    {
        try
        {
            await using var connection = await RawSmtpConnection.OpenAsync(port);
            while (true)
            {
                var messageId = TestMessages.NewMessageId();
                var reply = await connection.SendMessageAsync([Recipient], TestMessages.Text(Recipient, messageId));
                if (reply.Code != 250)
                {
                    if (_killed) return;
                    throw new Xunit.Sdk.XunitException($"message refused before the kill: {reply}");
                }
                _acknowledged[messageId] = 0;
                if (_acknowledged.Count >= MessageBudget) _budgetSpent.TrySetResult();
            }
        }
        catch (Exception e) when (_killed && e is IOException or System.Net.Sockets.SocketException or TimeoutException or Xunit.Sdk.XunitException or InvalidDataException)
        {
            // The server is gone: what was acknowledged is recorded, what was in flight may or may not have arrived.
        }
    }
}
