using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>The fixture's processes serve every test class of the collection: they are started once.</summary>
[CollectionDefinition(Name)]
public sealed class OutboundTlsCollection : ICollectionFixture<OutboundTlsFixture>
{
    public const string Name = "Outbound TLS";
}

/// <summary>
/// Onward delivery from our MTA to our MTA (and to a sink that refuses STARTTLS) at every TLS
/// level: each message is delivered with TLS, delivered in plaintext, or deferred, as the policy
/// requires; a deferred message never leaves in clear, and the sender's log says why.
/// </summary>
[Collection(OutboundTlsCollection.Name)]
public sealed class OutboundTlsTests(OutboundTlsFixture fixture)
{
    /// <summary>Every receiver at every level: "tls", "plain", or the status of the deferral.</summary>
    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var receiver in OutboundTlsFixture.Receivers)
        {
            foreach (var level in OutboundTlsFixture.Levels)
            {
                var expected = (receiver, level) switch
                {
                    (_, "none") => "plain",
                    ("plain" or "refuse", "may") => "plain",
                    ("plain", _) => "4.7.4",
                    ("refuse", _) => "4.7.0",
                    (_, "may" or "encrypt") => "tls",
                    ("valid", _) => "tls",
                    _ => "4.7.5",
                };
                data.Add(receiver, level, expected);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Mail_is_delivered_with_TLS_in_plaintext_or_deferred_as_the_level_requires(string receiver, string level, string expected)
    {
        var recipient = OutboundTlsFixture.Recipient(level, receiver);
        var logged = fixture.Logged[recipient];

        switch (expected)
        {
            case "tls":
                Assert.True(logged.Status == "sent" && logged.Detail.Contains("; tls=TLSv1.", StringComparison.Ordinal), fixture.Explain(recipient));
                if (level is "fingerprint" or "verify" or "secure")
                    Assert.Contains($" verified CN=mx.none.{receiver}.test", logged.Detail, StringComparison.Ordinal);
                Assert.Contains("\tby mx.test (Mta) with ESMTPS id ", await ReceivedHeaderAsync(receiver, recipient), StringComparison.Ordinal);
                break;
            case "plain":
                Assert.True(logged.Status == "sent" && logged.Detail.Contains("; tls=none (", StringComparison.Ordinal), fixture.Explain(recipient));
                if (receiver == "refuse")
                {
                    Assert.Contains($"RCPT TO:<{recipient}>", fixture.Refusing.Commands);
                    Assert.Equal(level == "may", logged.Detail.EndsWith($"tls=none (STARTTLS refused: {RefusingSink.Refusal})", StringComparison.Ordinal));
                }
                else
                {
                    Assert.Contains("\tby mx.test (Mta) with ESMTP id ", await ReceivedHeaderAsync(receiver, recipient), StringComparison.Ordinal);
                }
                break;
            default:
                Assert.True(logged.Status == "deferred" && logged.Dsn == expected, fixture.Explain(recipient));
                var server = $"mx.{level}.{receiver}.test[127.0.0.1]";
                Assert.StartsWith(expected switch
                {
                    "4.7.4" => $"TLS is required, but was not offered by host {server}; tls=none (not offered)",
                    "4.7.0" => $"TLS is required, but host {server} refused to start TLS: {RefusingSink.Refusal}; tls=none (STARTTLS refused",
                    _ => "Server certificate not verified; tls=TLSv1.",
                }, logged.Detail, StringComparison.Ordinal);
                if (receiver == "refuse")
                    Assert.DoesNotContain(fixture.Refusing.Commands, command => command.Contains(recipient, StringComparison.Ordinal));
                else
                    Assert.Empty(fixture.Receiver(receiver).Maildirs.Files(recipient));
                break;
        }
    }

    [Fact]
    public async Task Verify_trusts_the_MX_host_name_and_secure_does_not()
    {
        var verified = fixture.Logged["user@verify.hosted.test"];
        var secure = fixture.Logged["user@secure.hosted.test"];

        Assert.True(verified.Status == "sent", fixture.Explain("user@verify.hosted.test"));
        Assert.Contains(" verified CN=", verified.Detail, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS", await ReceivedHeaderAsync("valid", "user@verify.hosted.test"), StringComparison.Ordinal);
        Assert.True(secure.Status == "deferred" && secure.Dsn == "4.7.5", fixture.Explain("user@secure.hosted.test"));
        Assert.Contains("name mismatch: certificate matches none of secure.hosted.test, .secure.hosted.test", fixture.Sender.Output, StringComparison.Ordinal);
        Assert.Empty(fixture.Receiver("valid").Maildirs.Files("user@secure.hosted.test"));
    }

    [Fact]
    public async Task The_client_certificate_is_sent_and_the_receiver_relays_by_its_fingerprint()
    {
        var relayed = fixture.Logged[OutboundTlsFixture.RelayedRecipient];
        var denied = fixture.Logged[OutboundTlsFixture.DeniedRecipient];

        Assert.True(relayed.Status == "sent", fixture.Explain(OutboundTlsFixture.RelayedRecipient));
        var received = await ReceivedHeaderAsync("valid", OutboundTlsFixture.RelayedRecipient);
        Assert.Contains("(Client CN \"client.sender.test\", Issuer \"Client CA\" (not verified))", received, StringComparison.Ordinal);
        Assert.True(denied.Status == "bounced" && denied.Detail.Contains("554 5.7.1 <partner@denied.test>: Relay access denied", StringComparison.Ordinal),
            fixture.Explain(OutboundTlsFixture.DeniedRecipient));
        Assert.Empty(fixture.Receiver("valid").Maildirs.Files(OutboundTlsFixture.DeniedRecipient));
    }

    [Fact]
    public void The_sender_logs_one_summary_line_per_handshake_at_loglevel_1()
    {
        Assert.Contains("Verified TLS connection established to mx.verify.valid.test[127.0.0.1]:", fixture.Sender.Output, StringComparison.Ordinal);
        Assert.Contains("Untrusted TLS connection established to mx.may.selfsigned.test[127.0.0.1]:", fixture.Sender.Output, StringComparison.Ordinal);
    }

    private async Task<string> ReceivedHeaderAsync(string receiver, string recipient) =>
        DeliveredMessage.Parse(await fixture.Receiver(receiver).Maildirs.WaitForSingleMessageAsync(recipient)).Received;
}
