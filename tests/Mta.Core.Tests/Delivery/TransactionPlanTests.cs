using Mta.Core.Delivery;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Delivery;

public sealed class TransactionPlanTests
{
    private const string Peer = "mx.example.net[192.0.2.25]";

    [Fact]
    public void The_null_sender_of_a_bounce_is_sent_as_empty_angle_brackets()
    {
        var plan = Plan(Envelope() with { Sender = "" }, Offering());

        Assert.Equal("MAIL FROM:<>", plan.MailCommand);
    }

    [Theory]
    [InlineData(DsnNotify.Never, "RCPT TO:<r@example.net> NOTIFY=NEVER")]
    [InlineData(DsnNotify.Delay, "RCPT TO:<r@example.net> NOTIFY=DELAY")]
    [InlineData(DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, "RCPT TO:<r@example.net> NOTIFY=SUCCESS,FAILURE,DELAY")]
    [InlineData(DsnNotify.Unspecified, "RCPT TO:<r@example.net>")]
    public void NOTIFY_lists_the_recipients_conditions(DsnNotify notify, string expected)
    {
        var plan = Plan(Envelope(new EnvelopeRecipient("r@example.net", notify, null)), Offering("DSN"));

        Assert.Equal(expected, Assert.Single(plan.RcptCommands));
    }

    [Theory]
    [InlineData("rfc822;a+b=c@example.net", false, "ORCPT=rfc822;a+2Bb+3Dc@example.net")]
    [InlineData("utf-8;δ+x@example.net", false, "ORCPT=utf-8;\\x{3B4}\\x{2B}x@example.net")]
    [InlineData("rfc822;δ@example.net", false, "ORCPT=rfc822;+CE+B4@example.net")]
    [InlineData("rfc822;δ@example.net", true, "ORCPT=rfc822;δ@example.net")]
    public void ORCPT_is_encoded_as_its_address_type_requires(string original, bool smtpUtf8, string expected)
    {
        var envelope = Envelope(new EnvelopeRecipient("r@example.net", DsnNotify.Unspecified, original)) with { SmtpUtf8 = smtpUtf8 };

        var plan = Plan(envelope, Offering("DSN", "SMTPUTF8"));

        Assert.Equal($"RCPT TO:<r@example.net> {expected}", Assert.Single(plan.RcptCommands));
    }

    [Fact]
    public void A_non_ASCII_ENVID_without_SMTPUTF8_is_written_octet_by_octet()
    {
        var plan = Plan(Envelope() with { EnvId = "id-é" }, Offering("DSN"));

        Assert.Equal("MAIL FROM:<s@example.org> ENVID=id-+C3+A9", plan.MailCommand);
    }

    [Fact]
    public void SMTPUTF8_is_requested_for_a_UTF8_address_even_when_the_envelope_did_not_ask()
    {
        var plan = Plan(Envelope() with { Sender = "ñ@example.org", SmtpUtf8 = false }, Offering("SMTPUTF8"));

        Assert.Null(plan.LocalFailure);
        Assert.Equal("MAIL FROM:<ñ@example.org> SMTPUTF8", plan.MailCommand);
    }

    [Fact]
    public void A_UTF8_address_for_a_server_without_SMTPUTF8_fails_every_recipient_locally()
    {
        var plan = Plan(Envelope(new EnvelopeRecipient("ñ@example.net", DsnNotify.Unspecified, null)), Offering("8BITMIME"));

        Assert.Equal($"554 5.6.7 SMTPUTF8 is required, but was not offered by host {Peer}", plan.LocalFailure?.ToString());
    }

    [Fact]
    public void Only_the_recipients_asked_for_decide_whether_SMTPUTF8_is_needed()
    {
        var envelope = Envelope(
            new EnvelopeRecipient("ñ@example.net", DsnNotify.Unspecified, null),
            new EnvelopeRecipient("ascii@example.net", DsnNotify.Unspecified, null));

        var plan = TransactionPlan.Create(envelope, [1], Offering(), Peer, bodyHasEightBit: false);

        Assert.Null(plan.LocalFailure);
        Assert.Equal(["RCPT TO:<ascii@example.net>"], plan.RcptCommands);
    }

    [Theory]
    [InlineData(1000, 999, true)]
    [InlineData(1000, 1000, false)]
    [InlineData(1000, 0, false)]
    public void A_message_over_the_servers_SIZE_limit_is_not_sent(long bodyLength, long limit, bool refused)
    {
        var envelope = Envelope() with { Body = new SpoolBody([], bodyLength) };
        var server = Offering() with { Size = true, SizeLimit = limit };

        var plan = Plan(envelope, server);

        Assert.Equal(refused, plan.LocalFailure is not null);
        if (refused)
        {
            Assert.Equal($"552 5.3.4 message size 1000 exceeds size limit 999 of server {Peer}", plan.LocalFailure!.ToString());
        }
        else
        {
            Assert.Equal("MAIL FROM:<s@example.org> SIZE=1000", plan.MailCommand);
        }
    }

    [Theory]
    [InlineData(BodyType.SevenBit, "", false, "None", false)]
    [InlineData(BodyType.SevenBit, "", true, "SevenBit", false)]
    [InlineData(BodyType.SevenBit, "8BITMIME", false, "None", false)]
    [InlineData(BodyType.EightBitMime, "", false, "SevenBit", false)]
    [InlineData(BodyType.EightBitMime, "8BITMIME", false, "None", true)]
    [InlineData(BodyType.EightBitMime, "SMTPUTF8", false, "None", false)]
    [InlineData(BodyType.BinaryMime, "8BITMIME", false, "EightBit", true)]
    [InlineData(BodyType.BinaryMime, "", false, "SevenBit", false)]
    public void The_content_is_converted_only_when_the_server_cannot_take_it(
        BodyType bodyType, string keyword, bool bodyHasEightBit, string conversion, bool bodyParameter)
    {
        var server = keyword.Length == 0 ? Offering() : Offering(keyword);

        var plan = TransactionPlan.Create(Envelope() with { BodyType = bodyType }, [0], server, Peer, bodyHasEightBit);

        Assert.Equal(conversion, plan.Conversion.ToString());
        Assert.Equal(bodyParameter, plan.MailCommand.Contains(" BODY=8BITMIME", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(BodyType.SevenBit, "", true)]
    [InlineData(BodyType.SevenBit, "8BITMIME", false)]
    [InlineData(BodyType.SevenBit, "SMTPUTF8", false)]
    [InlineData(BodyType.EightBitMime, "", false)]
    public void The_body_is_scanned_for_eight_bit_only_when_a_seven_bit_claim_meets_a_seven_bit_server(BodyType bodyType, string keyword, bool scan)
    {
        var server = keyword.Length == 0 ? Offering() : Offering(keyword);

        Assert.Equal(scan, TransactionPlan.MustScanBody(Envelope() with { BodyType = bodyType }, server));
    }

    [Theory]
    [InlineData("evil@example.net>\r\nRCPT TO:<victim@example.net")]
    [InlineData("a\u0000b@example.net")]
    public void An_address_with_a_control_character_is_never_sent(string address)
    {
        var envelope = Envelope(new EnvelopeRecipient(address, DsnNotify.Unspecified, null));

        Assert.Throws<ArgumentException>(() => Plan(envelope, Offering()));
    }

    private static TransactionPlan Plan(MessageEnvelope envelope, ServerCapabilities server) =>
        TransactionPlan.Create(envelope, Enumerable.Range(0, envelope.Recipients.Length).ToArray(), server, Peer, bodyHasEightBit: false);

    private static ServerCapabilities Offering(params string[] keywords) =>
        ServerCapabilities.FromEhloReply(SmtpReply.Multiline(250, null, ["mx.example.net", .. keywords]));

    private static MessageEnvelope Envelope(params EnvelopeRecipient[] recipients) => new(
        "Q1",
        "s@example.org",
        0,
        new SpoolBody([], 1000),
        recipients.Length == 0 ? [new EnvelopeRecipient("r@example.net", DsnNotify.Unspecified, null)] : recipients,
        BodyType.SevenBit,
        SmtpUtf8: false,
        DsnReturn.Unspecified,
        EnvId: null,
        "192.0.2.1",
        "client.example");
}
