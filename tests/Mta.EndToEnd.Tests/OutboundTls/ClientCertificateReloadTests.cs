using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Admin;
using Mta.EndToEnd.Tests.Support;
using Mta.EndToEnd.Tests.Tls;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// The sender's TLS files (mta.smtp.tls cert-file, key-file, ca-file) replaced on disk while it
/// runs, as a renewal job does. Our sender relays to our receiver, which asks for client
/// certificates, verifies them against the CA of both test clients and writes the client's CN into
/// the Received header of what it delivers locally: that header tells which certificate the sender
/// presented. The sender looks at its files at most once a second, when a delivery needs them, so
/// the tests deliver until the sender logs that it looked, bounded in time, and never sleep.
/// </summary>
public sealed partial class ClientCertificateReloadTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The receiver's local domain: mail for it is delivered into the receiver's Maildirs.</summary>
    private const string ReceiverDomain = "receiver.test";

    /// <summary>A local address of the sender (localhost is in its mydestination).</summary>
    private const string Author = "author@localhost";

    private const string FirstClient = "client1.my.net";
    private const string SecondClient = "client2.my.net";
    private const string ReloadedLog = "mta.smtp.tls: reloaded the TLS certificate files";
    private const string RejectedLog = "mta.smtp.tls: the TLS certificate files changed but cannot be used (";
    private const string KeptLog = "keeping the previous ones";

    /// <summary>How the sender defers mail for a destination it treats as dead without trying it.</summary>
    private const string SuspendedReason = "delivery temporarily suspended";

    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _root = new();
    private readonly TestCertificates _certificates = new();
    private int _sent;

    [Fact]
    public async Task A_replaced_client_certificate_is_sent_on_a_new_connection_and_a_broken_replacement_keeps_it()
    {
        var certFile = CopyIntoRoot(_certificates.Listed, "client.pem");
        var keyFile = CopyIntoRoot(_certificates.ListedKey, "client.key");
        await using var receiver = await StartReceiverAsync();
        await using var sender = await StartSenderAsync(receiver.Port, certFile, keyFile, _certificates.CaFile);

        Assert.Equal(FirstClient, await DeliverAndReadClientAsync(sender, receiver));

        // Key first, then the certificate, as renewal tools write them. The connection that carried
        // the first message stays cached (connection-cache-time-limit): it must not carry the next.
        Overwrite(keyFile, await File.ReadAllTextAsync(_certificates.UnlistedKey));
        Overwrite(certFile, await File.ReadAllTextAsync(_certificates.Unlisted));
        await DeliverUntilLoggedAsync(sender, receiver, ReloadedLog, FirstClient, SecondClient);
        Assert.Equal(SecondClient, await DeliverAndReadClientAsync(sender, receiver));

        Overwrite(certFile, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        await DeliverUntilLoggedAsync(sender, receiver, KeptLog, SecondClient, SecondClient);
        Assert.Equal(SecondClient, await DeliverAndReadClientAsync(sender, receiver));
        Assert.Contains(sender.Output.Split('\n'), line => line.Contains(RejectedLog, StringComparison.Ordinal) && line.Contains(KeptLog, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replaced_ca_file_lets_a_message_deferred_for_an_unverified_server_through_after_a_flush()
    {
        var caFile = CopyIntoRoot(_certificates.OtherCaFile, "ca.pem");
        await using var receiver = await StartReceiverAsync();
        await using var sender = await StartSenderAsync(receiver.Port, _certificates.Listed, _certificates.ListedKey, caFile);
        var recipient = $"user@{ReceiverDomain}";

        await SubmitAsync(sender, recipient);
        var deferred = await WaitForAttemptAsync(sender, recipient, 1);
        AssertNotVerified(deferred, sender);

        Overwrite(caFile, await File.ReadAllTextAsync(_certificates.CaFile));
        var sent = await FlushUntilSentAsync(sender, recipient);

        await AssertDeliveredVerifiedAsync(sent, sender, receiver, recipient);
    }

    [Fact]
    public async Task A_replaced_ca_file_verifies_the_server_at_the_next_retry()
    {
        var caFile = CopyIntoRoot(_certificates.OtherCaFile, "ca.pem");
        await using var receiver = await StartReceiverAsync();
        // Retries (and the pause of a destination that failed) come every second instead of every five minutes.
        await using var sender = await StartSenderAsync(receiver.Port, _certificates.Listed, _certificates.ListedKey, caFile,
            "queue { minimal-backoff-time = 1s, maximal-backoff-time = 1s }");
        var recipient = $"user@{ReceiverDomain}";

        await SubmitAsync(sender, recipient);
        AssertNotVerified(await WaitForAttemptAsync(sender, recipient, 1), sender);

        Overwrite(caFile, await File.ReadAllTextAsync(_certificates.CaFile));
        var sent = await Poll.UntilAsync(() => DeliveryLog.Attempts(sender, recipient), attempts => attempts[^1].Groups["status"].Value != "deferred", LogTimeout,
            _ => $"{recipient} is still deferred; sender:\n{sender.Output}");

        await AssertDeliveredVerifiedAsync(sent[^1], sender, receiver, recipient);
        Assert.All(sent.SkipLast(1), attempt => Assert.Contains("Server certificate not verified", attempt.Groups["detail"].Value, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _root.Dispose();
    }

    /// <summary>
    /// Our MTA as the receiving server: client certificates asked for and checked against the CA of
    /// both test clients, the TLS lines in the Received header, and <see cref="ReceiverDomain"/> delivered locally.
    /// </summary>
    private Task<MtaServerProcess> StartReceiverAsync() =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "receiver"), MtaServerProcess.FreePort(), $$"""
            mydestination = ["{{ReceiverDomain}}"]
            mynetworks = ["{{SeedServer.ForeignNetwork}}"]
            smtpd.tls {
              cert-file = "{{_certificates.ServerCert}}"
              key-file = "{{_certificates.ServerKey}}"
              ca-file = "{{_certificates.CaFile}}"
              use-tls = yes
              ask-ccert = yes
              received-header = yes
              loglevel = 1
            }
            """, output);

    /// <summary>
    /// Our MTA relaying <see cref="ReceiverDomain"/> to the receiver under verify for the receiver's
    /// certificate name, with its admin endpoint on a known port for <c>mta queue</c>, and idle
    /// connections kept long enough that a cached one is always there to be (wrongly) reused.
    /// </summary>
    private Task<MtaServerProcess> StartSenderAsync(int receiverPort, string certFile, string keyFile, string caFile, string extra = "") =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            admin.listen = "127.0.0.1:{{MtaServerProcess.FreePort()}}"
            transport-maps { "{{ReceiverDomain}}" = "smtp:[127.0.0.1]:{{receiverPort}}" }
            smtp.connection-cache-time-limit = 60s
            smtp.tls {
              cert-file = "{{certFile}}"
              key-file = "{{keyFile}}"
              ca-file = "{{caFile}}"
              loglevel = 1
              policy-maps { "[127.0.0.1]:{{receiverPort}}" = "verify match={{MtaServerProcess.HostName}}" }
            }
            {{extra}}
            """, output);

    /// <summary>
    /// Delivers messages one after another until the sender has logged <paramref name="logged"/> once
    /// more than before, bounded in time. Until then each must have gone with <paramref name="before"/>;
    /// the one whose delivery looked at the changed files, and so logged it, with <paramref name="after"/>.
    /// </summary>
    private async Task DeliverUntilLoggedAsync(MtaServerProcess sender, MtaServerProcess receiver, string logged, string before, string after)
    {
        var loggedBefore = Occurrences(sender.Output, logged);
        var deadline = DateTime.UtcNow + ChangeTimeout;
        while (true)
        {
            var client = await DeliverAndReadClientAsync(sender, receiver);
            if (client != before || Occurrences(sender.Output, logged) > loggedBefore)
            {
                Assert.True(client == after, $"the delivery that saw the changed files went with {client}, not {after}; sender:\n{sender.Output}");
                await Poll.UntilAsync(() => Occurrences(sender.Output, logged), count => count > loggedBefore, LogTimeout,
                    _ => $"the sender delivered with {client} but has not logged \"{logged}\":\n{sender.Output}");
                return;
            }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"the sender has not logged \"{logged}\" within {ChangeTimeout}; sender:\n{sender.Output}");
        }
    }

    /// <summary>Sends one message to a recipient of its own at the receiver and returns the client CN of its Received header, which must say verified OK.</summary>
    private async Task<string> DeliverAndReadClientAsync(MtaServerProcess sender, MtaServerProcess receiver)
    {
        var recipient = $"message{++_sent}@{ReceiverDomain}";
        await SubmitAsync(sender, recipient);
        var received = DeliveredMessage.Parse(await receiver.Maildirs.WaitForSingleMessageAsync(recipient)).Received;
        var client = VerifiedClientLine().Match(received);
        Assert.True(client.Success, $"the Received header names no verified client certificate:\n{received}");
        return client.Groups["cn"].Value;
    }

    /// <summary>The first attempt, under verify with a CA that did not issue the receiver's certificate: deferred with Postfix's reason.</summary>
    private static void AssertNotVerified(Match attempt, MtaServerProcess sender)
    {
        Assert.True(attempt.Groups["status"].Value == "deferred" && attempt.Groups["dsn"].Value == "4.7.5", $"{attempt.Value}\n--- sender ---\n{sender.Output}");
        Assert.StartsWith("Server certificate not verified; tls=", attempt.Groups["detail"].Value, StringComparison.Ordinal);
    }

    /// <summary>The attempt that delivered: verified under the reloaded CA, logged as a reload, and in the receiver's Maildir.</summary>
    private static async Task AssertDeliveredVerifiedAsync(Match sent, MtaServerProcess sender, MtaServerProcess receiver, string recipient)
    {
        Assert.True(sent.Groups["status"].Value == "sent", $"{sent.Value}\n--- sender ---\n{sender.Output}");
        Assert.Matches($@"; tls=TLSv1\.[23] \S+ verified CN={Regex.Escape(MtaServerProcess.HostName)}\s*$", sent.Groups["detail"].Value);
        Assert.Contains(ReloadedLog, sender.Output, StringComparison.Ordinal);
        var received = DeliveredMessage.Parse(await receiver.Maildirs.WaitForSingleMessageAsync(recipient)).Received;
        Assert.Contains($"Received: from {MtaServerProcess.HostName} ", received, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs <c>mta queue flush</c> until the recipient's latest attempt is "sent", bounded in time: a
    /// retry less than a second after the previous look at the files still uses the old CA.
    /// </summary>
    private static async Task<Match> FlushUntilSentAsync(MtaServerProcess sender, string recipient)
    {
        var deadline = DateTime.UtcNow + ChangeTimeout;
        var attempts = DeliveryLog.Attempts(sender, recipient).Count;
        while (true)
        {
            var flush = await MtaCli.QueueAsync(sender.ConfigFile, "flush");
            Assert.True(flush.ExitCode == 0, flush.ToString());
            Assert.Matches(@"^\d+ deferred recipients scheduled for delivery now\n$", flush.Output);
            if (!flush.Output.StartsWith("0 ", StringComparison.Ordinal))
            {
                var attempt = await WaitForAttemptAsync(sender, recipient, attempts + 1);
                attempts++;
                if (attempt.Groups["status"].Value == "sent") return attempt;
                // As postqueue -f, a flush forgets that the destination failed: the message is tried, not turned away unseen.
                Assert.True(attempt.Groups["status"].Value == "deferred" && !attempt.Groups["detail"].Value.StartsWith(SuspendedReason, StringComparison.Ordinal),
                    $"the flush did not retry the destination: {attempt.Value}\n--- sender ---\n{sender.Output}");
            }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"{recipient} was not sent within {ChangeTimeout} of flushing; sender:\n{sender.Output}");
        }
    }

    private static async Task SubmitAsync(MtaServerProcess sender, string recipient)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(sender.Port);
        var reply = await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, TestMessages.NewMessageId()), Author);
        Assert.Equal(250, reply.Code);
    }

    /// <summary>Waits (bounded) for the sender's <paramref name="count"/>-th delivery log line for <paramref name="recipient"/> and returns it.</summary>
    private static async Task<Match> WaitForAttemptAsync(MtaServerProcess sender, string recipient, int count)
    {
        var attempts = await Poll.UntilAsync(() => DeliveryLog.Attempts(sender, recipient), found => found.Count >= count, LogTimeout,
            found => $"the sender has logged {found.Count} of {count} attempts for {recipient}:\n{sender.Output}");
        return attempts[count - 1];
    }

    private static int Occurrences(string text, string value) => Regex.Count(text, Regex.Escape(value));

    private string CopyIntoRoot(string file, string name)
    {
        var copy = Path.Combine(_root.Path, name);
        File.Copy(file, copy);
        return copy;
    }

    /// <summary>
    /// Replaces the file whole (a new file renamed over it, so that no reader sees it half written)
    /// with a last-write time it never had before, so that the change shows even where the file
    /// system keeps coarse times.
    /// </summary>
    private static void Overwrite(string path, string text)
    {
        var before = File.GetLastWriteTimeUtc(path);
        var next = path + ".new";
        File.WriteAllText(next, text);
        File.SetLastWriteTimeUtc(next, before.AddMinutes(1));
        File.Move(next, path, overwrite: true);
    }

    [GeneratedRegex(@"\(Client CN ""(?<cn>[^""]*)"", Issuer ""My CA"" \(verified OK\)\)")]
    private static partial Regex VerifiedClientLine();
}
