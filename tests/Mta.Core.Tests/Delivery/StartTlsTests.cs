using System.Buffers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Delivery;

/// <summary>STARTTLS on the client connection against <see cref="TestSink"/> speaking TLS over real sockets.</summary>
public sealed class StartTlsTests(DeliveryCertificates certificates) : IClassFixture<DeliveryCertificates>, IDisposable
{
    private const string PeerName = "mx.sink.test[127.0.0.1]";
    private const string Message = "From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: tls\r\n\r\nOver TLS.\r\n";

    private readonly TemporaryDirectory _directory = new();
    private SpoolStore? _spool;

    public void Dispose()
    {
        _spool?.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task STARTTLS_runs_the_handshake_then_EHLO_again_and_mail_goes_over_TLS()
    {
        using var serverCertificate = certificates.Valid.Load();
        await using var sink = new TestSink("PIPELINING", "STARTTLS") { Certificate = serverCertificate };
        await using var client = await OpenAsync(sink);
        Assert.True(client.Capabilities.StartTls);

        var result = await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        Assert.Equal(StartTlsOutcome.Established, result.Outcome);
        Assert.Equal(220, result.Reply.Code);
        Assert.Equal(0, result.DiscardedOctets);
        var tls = Assert.IsType<TlsSession>(client.Tls);
        Assert.Matches("^TLSv1\\.[23]$", tls.Protocol);
        Assert.StartsWith("TLS_", tls.Cipher, StringComparison.Ordinal);
        Assert.Equal(serverCertificate.RawData, tls.PeerCertificate!.RawData);
        Assert.False(client.Capabilities.StartTls);
        Assert.True(client.Capabilities.Pipelining);
        Assert.True(client.IsUsable);

        var envelope = await EnvelopeAsync();
        var sent = await client.SendAsync(envelope, [0], () => _spool!.OpenRead(envelope.Body), CancellationToken.None);
        await client.QuitAsync(CancellationToken.None);

        Assert.Equal(250, Assert.Single(sent.Recipients).Reply.Code);
        Assert.Equal(1, sink.Handshakes);
        Assert.Equal(Message, Assert.Single(sink.Messages).ContentText);
        Assert.Equal(["EHLO client.test", "STARTTLS", "EHLO client.test"], sink.Commands.Take(3));
    }

    [Fact]
    public async Task A_reply_injected_after_the_220_in_the_same_read_is_discarded_not_taken_for_the_EHLO_reply()
    {
        using var serverCertificate = certificates.Valid.Load();
        await using var sink = new TestSink("PIPELINING", "8BITMIME", "STARTTLS") { Certificate = serverCertificate }
            .Reply("STARTTLS", "220 Ready\r\n250 injected");
        await using var client = await OpenAsync(sink);

        var result = await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        Assert.Equal(StartTlsOutcome.Established, result.Outcome);
        Assert.Equal("220 Ready", result.Reply.ToString());
        Assert.Equal("250 injected\r\n".Length, result.DiscardedOctets);
        Assert.Equal("sink.test", client.Capabilities.ServerName);
        Assert.True(client.Capabilities.EightBitMime);
        Assert.Equal(["EHLO client.test", "STARTTLS", "EHLO client.test"], sink.Commands);
    }

    [Theory]
    [InlineData("454 4.7.0 TLS not available due to local problem", true)]
    [InlineData("502 5.5.1 Error: command not implemented", true)]
    [InlineData("421 4.3.2 Service shutting down", false)]
    public async Task A_refused_STARTTLS_leaves_the_plaintext_conversation_usable_unless_the_server_is_closing(string refusal, bool usable)
    {
        await using var sink = new TestSink("STARTTLS").Reply("STARTTLS", refusal);
        await using var client = await OpenAsync(sink);

        var result = await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        Assert.Equal(StartTlsOutcome.Refused, result.Outcome);
        Assert.Equal(refusal, result.Reply.ToString());
        Assert.Null(client.Tls);
        Assert.Equal(usable, client.IsUsable);
        if (usable)
        {
            var envelope = await EnvelopeAsync();
            var sent = await client.SendAsync(envelope, [0], () => _spool!.OpenRead(envelope.Body), CancellationToken.None);
            Assert.Equal(250, Assert.Single(sent.Recipients).Reply.Code);
        }
    }

    [Fact]
    public async Task A_server_that_agrees_and_then_breaks_the_handshake_leaves_an_unusable_connection()
    {
        await using var sink = new TestSink("STARTTLS");
        await using var client = await OpenAsync(sink);

        var result = await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        Assert.Equal(StartTlsOutcome.HandshakeFailed, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.Failure));
        Assert.Null(client.Tls);
        Assert.False(client.IsUsable);
        await client.QuitAsync(CancellationToken.None);
        Assert.DoesNotContain("QUIT", sink.Commands);
    }

    [Fact]
    public async Task A_handshake_the_validation_callback_refuses_fails()
    {
        using var serverCertificate = certificates.SelfSigned.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = serverCertificate };
        await using var client = await OpenAsync(sink);

        var result = await client.StartTlsAsync(
            new SslClientAuthenticationOptions { TargetHost = DeliveryCertificates.ServerName, RemoteCertificateValidationCallback = (_, _, _, _) => false },
            CancellationToken.None);

        Assert.Equal(StartTlsOutcome.HandshakeFailed, result.Outcome);
        Assert.False(client.IsUsable);
    }

    [Fact]
    public async Task The_certificates_the_server_sends_are_the_peer_chain_its_own_first()
    {
        using var serverCertificate = certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = serverCertificate };
        await using var client = await OpenAsync(sink);

        await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        var chain = client.Tls!.PeerChain;
        Assert.Equal(serverCertificate.RawData, chain[0].RawData);
        Assert.Equal(chain.Count, chain.Select(certificate => Convert.ToHexString(certificate.RawData)).Distinct().Count());
    }

    [Fact]
    public async Task STARTTLS_twice_is_refused_by_the_client_itself()
    {
        using var serverCertificate = certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = serverCertificate };
        await using var client = await OpenAsync(sink);
        await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None));
        Assert.Single(sink.Commands, command => command == "STARTTLS");
    }

    [Fact]
    public async Task A_refused_EHLO_inside_TLS_is_a_refusal()
    {
        using var serverCertificate = certificates.Valid.Load();
        await using var sink = new TestSink("STARTTLS") { Certificate = serverCertificate };
        await using var client = await OpenAsync(sink);
        sink.Reply("EHLO", "554 5.7.1 Not you");

        var result = await client.StartTlsAsync(AcceptAnyServer(), CancellationToken.None);

        Assert.Equal(StartTlsOutcome.Established, result.Outcome);
        Assert.Equal("554 5.7.1 Not you", client.Refusal?.ToString());
        Assert.False(client.IsUsable);
    }

    private static SslClientAuthenticationOptions AcceptAnyServer() => new()
    {
        TargetHost = DeliveryCertificates.ServerName,
        RemoteCertificateValidationCallback = static (_, _, _, _) => true,
    };

    private static async Task<SmtpClientConnection> OpenAsync(TestSink sink) =>
        await SmtpClientConnection.OpenAsync(await sink.ConnectAsync(), PeerName, ClientOptions.Defaults("client.test"), CancellationToken.None);

    private async Task<MessageEnvelope> EnvelopeAsync()
    {
        _spool ??= new SpoolStore(_directory.Path, segmentSize: 1 << 20, NullLogger.Instance);
        using var writer = _spool.CreateWriter();
        writer.Write(Encoding.ASCII.GetBytes(Message));
        await writer.FlushAsync();
        var body = await writer.CompleteAsync();
        _spool.Retain(body);
        writer.Finish();
        return new MessageEnvelope("Q1", "sender@example.org", 0, body, [new EnvelopeRecipient("rcpt@example.net", DsnNotify.Unspecified, null)],
            BodyType.SevenBit, false, DsnReturn.Unspecified, null, "192.0.2.1", "client.example");
    }
}
