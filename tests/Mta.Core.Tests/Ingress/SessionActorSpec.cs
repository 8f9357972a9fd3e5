using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Configuration;
using Mta.Core.Ingress;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Core.Tests.Support;
using Mta.Protocol;
using Xunit;
using static Mta.Core.Ingress.SessionProtocol;

namespace Mta.Core.Tests.Ingress;

public sealed class SessionActorSpec : TestKit
{
    private readonly TemporaryDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 20, 16, 47, TimeSpan.Zero));
    private readonly SpoolStore _spool;

    public SessionActorSpec()
    {
        _spool = new SpoolStore(Path.Combine(_dir.Path, "spool"), 1 << 20, NullLogger.Instance);
    }

    /// <summary>Stands in for the pump: every instruction the actor gives goes to a probe.</summary>
    private sealed class RecordingConnection(IPEndPoint remote, IActorRef probe) : ISmtpConnection
    {
        public IPEndPoint RemoteEndPoint { get; } = remote;
        public void Instruct(Instruction instruction) => probe.Tell(instruction);
    }

    private MtaSettings Settings(string hocon = "") => MtaSettings.Create(
        ConfigurationFactory.ParseString($"mta.myhostname = \"mx.example\"\nmta.data-dir = \"{_dir.Path}\"\n{hocon}"));

    private (IActorRef Session, Akka.TestKit.TestProbe Pump) Start(string hocon = "", string client = "127.0.0.1")
    {
        var pump = CreateTestProbe();
        var connection = new RecordingConnection(new IPEndPoint(IPAddress.Parse(client), 40000), pump);
        var context = new SessionContext(Settings(hocon), _spool, new QueueIdGenerator(_clock), _clock, NullLogger.Instance);
        var session = Sys.ActorOf(Props.Create<SessionActor>(connection, context));
        session.Tell(new Started(ClientNameResolver.Unknown));
        var greeting = pump.ExpectMsg<Instruction>();
        Assert.Equal("220 mx.example ESMTP Mta\r\n", Encoding.ASCII.GetString(greeting.Reply!.Encoded.Span));
        return (session, pump);
    }

    private static Instruction Send(IActorRef session, Akka.TestKit.TestProbe pump, string line, bool moreInput = false)
    {
        session.Tell(new CommandReceived(SmtpCommandParser.Parse(Encoding.UTF8.GetBytes(line)), moreInput));
        return pump.ExpectMsg<Instruction>();
    }

    private static string Code(Instruction instruction) =>
        $"{instruction.Reply!.Code} {instruction.Reply.EnhancedCode}".TrimEnd();

    private async Task<SpoolBody> StoreAsync(Instruction data, string content)
    {
        using var writer = _spool.CreateWriter();
        if (data.Prefix is { } prefix) System.Buffers.BuffersExtensions.Write(writer, prefix);
        System.Buffers.BuffersExtensions.Write(writer, Encoding.ASCII.GetBytes(content));
        var body = await writer.CompleteAsync();
        _spool.Retain(body);
        return body;
    }

    [Fact]
    public void Ehlo_should_advertise_the_extensions_and_helo_none()
    {
        var (session, pump) = Start();
        var ehlo = Send(session, pump, "EHLO client.example");
        Assert.Equal(["mx.example Hello client.example", "PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN"], ehlo.Reply!.Lines);
        var helo = Send(session, pump, "HELO client.example");
        Assert.Equal(["mx.example"], helo.Reply!.Lines);
    }

    [Fact]
    public async Task Session_should_take_a_message_through_data_and_answer_only_after_the_queue_commits()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO client.example");
        Assert.Equal("250 2.1.0", Code(Send(session, pump, "MAIL FROM:<a@example.org>")));
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<user@localhost>")));
        var data = Send(session, pump, "DATA");
        Assert.Equal(Step.ReadData, data.Next);
        Assert.Equal(354, data.Reply!.Code);
        var received = Encoding.ASCII.GetString(data.Prefix!);
        Assert.StartsWith("Received: from client.example (unknown [127.0.0.1])\r\n\tby mx.example (Mta) with ESMTP id ", received);
        Assert.EndsWith("\r\n\tfor <user@localhost>; Sat, 28 Nov 2026 20:16:47 +0000\r\n", received);

        var body = await StoreAsync(data, "Subject: x\r\n\r\nhi\r\n");
        session.Tell(new ContentReceived(body, body.Length, 0, false, null, 0));
        var submit = pump.ExpectMsg<Instruction>();
        Assert.Equal(Step.Submit, submit.Next);
        Assert.Null(submit.Reply);
        var envelope = submit.Envelope!;
        Assert.Equal("a@example.org", envelope.Sender);
        Assert.Equal(["user@localhost"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal("127.0.0.1", envelope.ClientAddress);
        Assert.Equal("client.example", envelope.HeloName);

        pump.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        session.Tell(new QueueProtocol.Enqueued(envelope.QueueId));
        var queued = pump.ExpectMsg<Instruction>();
        Assert.Equal($"250 2.0.0 Ok: queued as {envelope.QueueId}", queued.Reply!.ToString());
        Assert.Equal(Step.ReadCommand, queued.Next);
        Assert.Equal("503 5.5.1", Code(Send(session, pump, "RCPT TO:<user@localhost>")));
    }

    [Fact]
    public void Failed_commit_should_answer_451_so_the_client_keeps_the_message()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@example.org>");
        Send(session, pump, "RCPT TO:<user@localhost>");
        Send(session, pump, "DATA");
        session.Tell(new QueueProtocol.EnqueueFailed("Q", "journal unavailable"));
        Assert.Equal("451 4.3.0", Code(pump.ExpectMsg<Instruction>()));
    }

    [Theory]
    [InlineData("RCPT TO:<user@localhost>", "503 5.5.1")]
    [InlineData("DATA", "503 5.5.1")]
    [InlineData("FOO bar", "502 5.5.2")]
    [InlineData("EXPN list", "502 5.5.1")]
    [InlineData("STARTTLS", "502 5.5.1")]
    [InlineData("VRFY user", "252 2.0.0")]
    [InlineData("VRFY", "501 5.5.4")]
    [InlineData("NOOP", "250 2.0.0")]
    [InlineData("RSET", "250 2.0.0")]
    [InlineData("HELP", "214 2.0.0")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=99999999", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@b.example> FOO=1", "555 5.5.4")]
    [InlineData("MAIL FROM:<é@b.example>", "553 5.6.7")]
    [InlineData("QUIT", "221 2.0.0")]
    public void Single_commands_should_get_postfix_replies(string line, string expected)
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Assert.Equal(expected, Code(Send(session, pump, line)));
    }

    [Fact]
    public void Quit_should_close_after_its_reply()
    {
        var (session, pump) = Start();
        Assert.Equal(Step.Close, Send(session, pump, "QUIT").Next);
    }

    [Fact]
    public void Relay_should_be_denied_to_a_client_outside_mynetworks()
    {
        var (session, pump) = Start("mta.mynetworks = [\"192.0.2.0/24\"]\nmta.relay-domains = [partner.example]", client: "198.51.100.7");
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        var denied = Send(session, pump, "RCPT TO:<x@remote.example>");
        Assert.Equal("554 5.7.1 <x@remote.example>: Relay access denied", denied.Reply!.ToString());
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<x@partner.example>")));
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<x@localhost>")));
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<Postmaster>")));
    }

    [Fact]
    public void Relay_should_be_allowed_from_mynetworks()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<x@remote.example>")));
    }

    [Fact]
    public void Unknown_local_user_should_get_550_and_postmaster_always_passes()
    {
        var (session, pump) = Start("mta.local-recipients { \"known@localhost\" = ok }");
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Assert.Equal("550 5.1.1", Code(Send(session, pump, "RCPT TO:<unknown@localhost>")));
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<known@localhost>")));
        Assert.Equal("250 2.1.5", Code(Send(session, pump, "RCPT TO:<POSTMASTER@localhost>")));
    }

    [Fact]
    public void Recipient_limit_should_give_452()
    {
        var (session, pump) = Start("mta.smtpd.recipient-limit = 2");
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Send(session, pump, "RCPT TO:<u1@localhost>");
        Send(session, pump, "RCPT TO:<u2@localhost>");
        Assert.Equal("452 4.5.3", Code(Send(session, pump, "RCPT TO:<u3@localhost>")));
    }

    [Fact]
    public void Hard_error_limit_should_close_with_421()
    {
        var (session, pump) = Start("mta.smtpd.hard-error-limit = 3");
        for (var i = 0; i < 3; i++) Assert.Equal(502, Send(session, pump, "BOGUS").Reply!.Code);
        var last = Send(session, pump, "NOOP");
        Assert.Equal("421 4.7.0 mx.example Error: too many errors", last.Reply!.ToString());
        Assert.Equal(Step.Close, last.Next);
    }

    [Fact]
    public void Pipelining_after_ehlo_or_before_354_should_be_refused_and_closed()
    {
        var (session, pump) = Start();
        var violation = Send(session, pump, "EHLO c", moreInput: true);
        Assert.Equal("554 5.5.0", Code(violation));
        Assert.Equal(Step.Close, violation.Next);

        var (other, otherPump) = Start();
        Send(other, otherPump, "EHLO c");
        Send(other, otherPump, "MAIL FROM:<a@b.example>", moreInput: true);
        Send(other, otherPump, "RCPT TO:<u@localhost>", moreInput: true);
        var early = Send(other, otherPump, "DATA", moreInput: true);
        Assert.Equal("554 5.5.0", Code(early));
        Assert.Equal(Step.Close, early.Next);
    }

    [Fact]
    public void Over_size_content_should_get_552_and_reset_the_transaction()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Send(session, pump, "RCPT TO:<u@localhost>");
        Send(session, pump, "DATA");
        session.Tell(new ContentReceived(null, 20_000_000, 0, TooBig: true, null, 0));
        Assert.Equal("552 5.3.4", Code(pump.ExpectMsg<Instruction>()));
        Assert.Equal("503 5.5.1", Code(Send(session, pump, "DATA")));
    }

    [Theory]
    [InlineData(49, "SUBMIT")]
    [InlineData(50, "554 5.4.0")]
    public async Task Hop_count_should_include_our_own_received_header(int received, string expected)
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Send(session, pump, "RCPT TO:<u@localhost>");
        var data = Send(session, pump, "DATA");
        var body = await StoreAsync(data, "x\r\n");
        session.Tell(new ContentReceived(body, body.Length, received, false, null, 0));
        var answer = pump.ExpectMsg<Instruction>();
        Assert.Equal(expected, answer.Next == Step.Submit ? "SUBMIT" : Code(answer));
    }

    [Fact]
    public async Task Bdat_chunks_should_be_acknowledged_and_the_last_one_submitted()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Send(session, pump, "RCPT TO:<u@localhost>");
        var first = Send(session, pump, "BDAT 10");
        Assert.Equal(Step.ReadChunk, first.Next);
        Assert.Null(first.Reply);
        Assert.NotNull(first.Prefix);
        Assert.Equal(10, first.ChunkSize);
        session.Tell(new ContentReceived(null, 10, 0, false, null, 10));
        Assert.Equal("250 2.0.0 Ok: 10 bytes", pump.ExpectMsg<Instruction>().Reply!.ToString());
        Assert.Equal("503 5.5.1", Code(Send(session, pump, "DATA")));
        var last = Send(session, pump, "BDAT 5 LAST");
        Assert.Null(last.Prefix);
        Assert.True(last.LastChunk);
        var body = await StoreAsync(first, "0123456789abcde");
        session.Tell(new ContentReceived(body, body.Length, 0, false, null, 5));
        Assert.Equal(Step.Submit, pump.ExpectMsg<Instruction>().Next);
    }

    [Fact]
    public void Bdat_out_of_sequence_should_still_read_its_chunk_then_refuse_it()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        var refused = Send(session, pump, "BDAT 4 LAST");
        Assert.Equal(Step.ReadChunk, refused.Next);
        Assert.True(refused.Discard);
        Assert.Equal(4, refused.ChunkSize);
        session.Tell(new ContentReceived(null, 0, 0, false, null, 4));
        Assert.Equal("503 5.5.1", Code(pump.ExpectMsg<Instruction>()));
    }

    [Fact]
    public void Bdat_after_an_over_size_chunk_should_keep_refusing_until_last()
    {
        var (session, pump) = Start();
        Send(session, pump, "EHLO c");
        Send(session, pump, "MAIL FROM:<a@b.example>");
        Send(session, pump, "RCPT TO:<u@localhost>");
        Send(session, pump, "BDAT 100");
        session.Tell(new ContentReceived(null, 20_000_000, 0, TooBig: true, null, 100));
        Assert.Equal("552 5.3.4", Code(pump.ExpectMsg<Instruction>()));
        var next = Send(session, pump, "BDAT 100 LAST");
        Assert.True(next.Discard);
        session.Tell(new ContentReceived(null, 0, 0, false, null, 100));
        Assert.Equal("552 5.3.4", Code(pump.ExpectMsg<Instruction>()));
        Assert.Equal("250 2.1.0", Code(Send(session, pump, "MAIL FROM:<a@b.example>")));
    }

    [Fact]
    public void Session_should_stop_when_the_connection_closes()
    {
        var (session, _) = Start();
        Watch(session);
        session.Tell(new Closed("client closed the connection"));
        ExpectTerminated(session);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _spool.Dispose();
        _dir.Dispose();
    }
}
