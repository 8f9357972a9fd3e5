using System.Text;
using Mta.Sink;

namespace Mta.Perf.Tests;

public class SinkDialogTests
{
    [Theory]
    [InlineData("EHLO client.example", nameof(SinkVerb.Ehlo))]
    [InlineData("ehlo client.example", nameof(SinkVerb.Ehlo))]
    [InlineData("HELO x", nameof(SinkVerb.Helo))]
    [InlineData("MAIL FROM:<a@b>", nameof(SinkVerb.Mail))]
    [InlineData("rcpt TO:<a@b>", nameof(SinkVerb.Rcpt))]
    [InlineData("DATA", nameof(SinkVerb.Data))]
    [InlineData("RSET", nameof(SinkVerb.Rset))]
    [InlineData("NOOP", nameof(SinkVerb.Noop))]
    [InlineData("QUIT", nameof(SinkVerb.Quit))]
    [InlineData("StartTLS", nameof(SinkVerb.StartTls))]
    [InlineData("BDAT 10 LAST", nameof(SinkVerb.Bdat))]
    [InlineData("DATAX", nameof(SinkVerb.Unknown))]
    [InlineData("VRFY a", nameof(SinkVerb.Unknown))]
    [InlineData("", nameof(SinkVerb.Unknown))]
    public void Recognises_verbs_ignoring_case(string line, string expected) =>
        Assert.Equal(Enum.Parse<SinkVerb>(expected), SinkDialog.ParseVerb(Encoding.ASCII.GetBytes(line)));

    [Fact]
    public void A_whole_transaction_gets_the_replies_a_relay_expects()
    {
        var dialog = new SinkDialog("sink.test", offerStartTls: false);
        var transaction = default(SinkTransaction);
        Assert.Equal("503", Reply(dialog, "MAIL FROM:<a@b>", ref transaction).Code);
        Assert.StartsWith("250-sink.test\r\n250-PIPELINING", Reply(dialog, "EHLO c", ref transaction).Text, StringComparison.Ordinal);
        Assert.Equal("503", Reply(dialog, "DATA", ref transaction).Code);
        Assert.Equal("250", Reply(dialog, "MAIL FROM:<a@b>", ref transaction).Code);
        Assert.Equal("503", Reply(dialog, "MAIL FROM:<a@b>", ref transaction).Code);
        Assert.Equal("503", Reply(dialog, "DATA", ref transaction).Code);
        Assert.Equal("250", Reply(dialog, "RCPT TO:<x@y>", ref transaction).Code);
        Assert.Equal("250", Reply(dialog, "RCPT TO:<z@y>", ref transaction).Code);
        Assert.Equal(2, transaction.Recipients);
        var (data, action) = dialog.Handle("DATA"u8, ref transaction);
        Assert.Equal(SinkAction.ReceiveData, action);
        Assert.StartsWith("354 ", Encoding.ASCII.GetString(data), StringComparison.Ordinal);
        Assert.Equal("250", Reply(dialog, "RSET", ref transaction).Code);
        Assert.False(transaction.HasSender);
        Assert.Equal("502", Reply(dialog, "STARTTLS", ref transaction).Code);
        Assert.Equal("502", Reply(dialog, "BDAT 5 LAST", ref transaction).Code);
        Assert.Equal((SinkAction.Close, "221"), (dialog.Handle("QUIT"u8, ref transaction).Action, Reply(dialog, "QUIT", ref transaction).Code));
    }

    [Fact]
    public void Starttls_is_offered_once_and_the_client_must_greet_again()
    {
        var dialog = new SinkDialog("sink.test", offerStartTls: true);
        var transaction = default(SinkTransaction);
        Assert.Contains("250-STARTTLS\r\n", Reply(dialog, "EHLO c", ref transaction).Text, StringComparison.Ordinal);
        Reply(dialog, "MAIL FROM:<a@b>", ref transaction);
        var (ready, action) = dialog.Handle("STARTTLS"u8, ref transaction);
        Assert.Equal(SinkAction.StartTls, action);
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", Encoding.ASCII.GetString(ready));
        Assert.False(transaction.HasSender);
        Assert.Equal("503", Reply(dialog, "MAIL FROM:<a@b>", ref transaction).Code);
        Assert.DoesNotContain("STARTTLS", Reply(dialog, "EHLO c", ref transaction).Text, StringComparison.Ordinal);
        Assert.Equal("554", Reply(dialog, "STARTTLS", ref transaction).Code);
    }

    [Theory]
    [InlineData(nameof(MessageOutcome.Accepted), "250 ")]
    [InlineData(nameof(MessageOutcome.Deferred), "451 4.3.0 ")]
    [InlineData(nameof(MessageOutcome.Rejected), "554 5.7.1 ")]
    public void The_final_reply_matches_the_outcome(string outcome, string prefix) =>
        Assert.StartsWith(prefix, Encoding.ASCII.GetString(new SinkDialog("s", false).ReplyTo(Enum.Parse<MessageOutcome>(outcome))), StringComparison.Ordinal);

    private static (string Code, string Text) Reply(SinkDialog dialog, string line, ref SinkTransaction transaction)
    {
        var text = Encoding.ASCII.GetString(dialog.Handle(Encoding.ASCII.GetBytes(line), ref transaction).Reply);
        return (text[..3], text);
    }
}

public class OutcomePolicyTests
{
    [Theory]
    [InlineData(0.0, 0.0, 0.0, nameof(MessageOutcome.Accepted))]
    [InlineData(0.1, 0.01, 0.005, nameof(MessageOutcome.Rejected))]
    [InlineData(0.1, 0.01, 0.01, nameof(MessageOutcome.Deferred))]
    [InlineData(0.1, 0.01, 0.109, nameof(MessageOutcome.Deferred))]
    [InlineData(0.1, 0.01, 0.11, nameof(MessageOutcome.Accepted))]
    [InlineData(1.0, 0.0, 0.999, nameof(MessageOutcome.Deferred))]
    [InlineData(0.0, 1.0, 0.999, nameof(MessageOutcome.Rejected))]
    public void Splits_the_unit_interval_into_reject_defer_and_accept(double defer, double reject, double draw, string expected) =>
        Assert.Equal(Enum.Parse<MessageOutcome>(expected), new OutcomePolicy(defer, reject).Decide(draw));

    [Fact]
    public void Shares_over_many_draws_follow_the_rates()
    {
        var policy = new OutcomePolicy(0.1, 0.01);
        var random = new Random(42);
        var counts = new int[3];
        for (var i = 0; i < 100_000; i++)
        {
            counts[(int)policy.Decide(random.NextDouble())]++;
        }

        Assert.InRange(counts[(int)MessageOutcome.Deferred], 9_500, 10_500);
        Assert.InRange(counts[(int)MessageOutcome.Rejected], 800, 1_200);
    }

    [Theory]
    [InlineData(-0.1, 0)]
    [InlineData(0, 1.1)]
    [InlineData(0.6, 0.5)]
    public void Refuses_rates_outside_the_unit_interval(double defer, double reject) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OutcomePolicy(defer, reject));
}
