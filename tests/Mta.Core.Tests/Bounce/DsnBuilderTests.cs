using System.Text;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Mta.Core.Bounce;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Bounce;

public sealed class DsnBuilderTests
{
    private const string Host = "mx.example";
    private const string MailerDaemon = "MAILER-DAEMON@mx.example";
    private const string Sender = "sender@example.org";
    private const string QueueId = "4FhK2QxYz";
    private const string BodyLine = "The quarterly figures are below, please keep them private.";

    private static readonly DateTimeOffset Arrival = new(2026, 11, 28, 20, 16, 47, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Arrival.AddHours(5).AddMinutes(30);
    private static readonly DateTimeOffset LastAttempt = Arrival.AddHours(5);

    private static readonly DsnRecipient UnknownUser = new(
        "john@remote.example", null, DsnAction.Failed, "5.1.1", "mx1.remote.example",
        "smtp; 550 5.1.1 <john@remote.example>: User unknown", LastAttempt, null);

    private static string Original(string body = BodyLine + "\r\n", string newLine = "\r\n") =>
        string.Join(newLine,
            "Received: from client.example (client.example [192.0.2.1])",
            "\tby mx.example (Mta) with ESMTP id " + QueueId + "; Sat, 28 Nov 2026 20:16:47 +0000",
            "From: Sender <sender@example.org>",
            "To: <john@remote.example>",
            "Subject: Quarterly figures",
            "Message-ID: <orig-1@example.org>",
            "Date: Sat, 28 Nov 2026 20:16:40 +0000",
            string.Empty,
            string.Empty) + body.ReplaceLineEndings(newLine);

    private static DsnRequest Request(DsnKind kind, DsnReturn ret, params DsnRecipient[] recipients) =>
        new(Host, MailerDaemon, Sender, QueueId, Arrival, null, ret, recipients, kind, null);

    private static MimeMessage Build(DsnRequest request, string original) =>
        DsnBuilder.Build(request, new MemoryStream(Encoding.UTF8.GetBytes(original)), new FakeTimeProvider(Now));

    private static byte[] Serialize(DsnRequest request, string original) => DsnBuilder.ToBytes(Build(request, original));

    private static MimeMessage RoundTrip(DsnRequest request, string original) =>
        MimeMessage.Load(new MemoryStream(Serialize(request, original)));

    private static MultipartReport Report(MimeMessage message) => Assert.IsType<MultipartReport>(message.Body);

    // MimeKit hands decoded text back with LF line ends; the octets on the wire are checked separately.
    private static string Notification(MimeMessage message) =>
        Assert.IsType<TextPart>(Report(message)[0]).Text.ReplaceLineEndings("\n");

    private static IReadOnlyList<HeaderList> StatusGroups(MimeMessage message) =>
        Assert.IsType<MessageDeliveryStatus>(Report(message)[1]).StatusGroups.ToList();

    private static MimeMessage Embedded(MimeEntity part)
    {
        var message = Assert.IsAssignableFrom<MessagePart>(part).Message;
        Assert.NotNull(message);
        return message;
    }

    private static (string Field, string Value)[] Fields(HeaderList group) =>
        group.Select(static header => (header.Field, header.Value)).ToArray();

    [Fact]
    public void Failure_is_a_multipart_report_of_delivery_status_with_three_parts()
    {
        var message = RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser), Original());

        var report = Report(message);
        Assert.Equal("multipart/report", report.ContentType.MimeType);
        Assert.Equal("delivery-status", report.ContentType.Parameters["report-type"]);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.Equal("text/plain", report[0].ContentType.MimeType);
        Assert.Equal("message/delivery-status", report[1].ContentType.MimeType);
        Assert.Equal("message/rfc822", report[2].ContentType.MimeType);
        Assert.Equal(["Notification", "Delivery report", "Undelivered Message"],
            report.Select(static part => part.Headers[HeaderId.ContentDescription]));
    }

    [Fact]
    public void Failure_reports_the_per_message_fields_exactly()
    {
        var message = RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser), Original());

        Assert.Equal(
            [
                ("Reporting-MTA", "dns; mx.example"),
                ("X-Mta-Queue-ID", QueueId),
                ("Arrival-Date", "Sat, 28 Nov 2026 20:16:47 +0000"),
            ],
            Fields(StatusGroups(message)[0]));
    }

    [Fact]
    public void Failure_reports_the_per_recipient_fields_exactly()
    {
        var recipient = UnknownUser with { WillRetryUntil = Arrival.AddDays(5) };

        var message = RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, recipient), Original());

        var groups = StatusGroups(message);
        Assert.Equal(2, groups.Count);
        Assert.Equal(
            [
                ("Final-Recipient", "rfc822; john@remote.example"),
                ("Action", "failed"),
                ("Status", "5.1.1"),
                ("Remote-MTA", "dns; mx1.remote.example"),
                ("Diagnostic-Code", "smtp; 550 5.1.1 <john@remote.example>: User unknown"),
                ("Last-Attempt-Date", "Sun, 29 Nov 2026 01:16:47 +0000"),
            ],
            Fields(groups[1]));
    }

    [Fact]
    public void Failure_of_several_recipients_reports_each_in_order()
    {
        var full = new DsnRecipient("mary@remote.example", "rfc822;Mary@Remote.Example", DsnAction.Failed, "5.2.2",
            "mx1.remote.example", "smtp; 552 5.2.2 <mary@remote.example>: Mailbox full", null, null);
        var expired = new DsnRecipient("bob@slow.example", null, DsnAction.Failed, "4.4.1", null,
            "X-Mta; connect to mx.slow.example[198.51.100.7]:25: Connection timed out", null, null);

        var message = RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser, full, expired), Original());

        var groups = StatusGroups(message);
        Assert.Equal(4, groups.Count);
        Assert.Equal(["rfc822; john@remote.example", "rfc822; mary@remote.example", "rfc822; bob@slow.example"],
            groups.Skip(1).Select(static group => group["Final-Recipient"]));
        Assert.Equal(["5.1.1", "5.2.2", "4.4.1"], groups.Skip(1).Select(static group => group["Status"]));
        Assert.All(groups.Skip(1), static group => Assert.Equal("failed", group["Action"]));
        Assert.Equal("smtp; 552 5.2.2 <mary@remote.example>: Mailbox full", groups[2]["Diagnostic-Code"]);
        Assert.Equal("rfc822; Mary@Remote.Example", groups[2]["Original-Recipient"]);
        Assert.Null(groups[1]["Original-Recipient"]);
        Assert.Null(groups[3]["Remote-MTA"]);
        Assert.Equal("X-Mta; connect to mx.slow.example[198.51.100.7]:25: Connection timed out", groups[3]["Diagnostic-Code"]);

        var text = Notification(message);
        Assert.Contains("\n<john@remote.example>: host mx1.remote.example said: 550 5.1.1\n    <john@remote.example>: User unknown\n", text);
        Assert.Contains("<mary@remote.example>: host mx1.remote.example said: 552 5.2.2", text);
        Assert.Contains("<bob@slow.example>: connect to mx.slow.example[198.51.100.7]:25: Connection\n    timed out\n", text);
    }

    [Fact]
    public void Original_recipient_envelope_id_and_received_from_are_reported_when_given()
    {
        var forwarded = UnknownUser with { OriginalRecipient = "rfc822;info@example.org" };
        var request = Request(DsnKind.Failure, DsnReturn.Unspecified, forwarded)
            with { EnvId = "QQ314159", ReceivedFromMta = "client.example" };

        var message = RoundTrip(request, Original());

        var groups = StatusGroups(message);
        Assert.Equal(
            [
                ("Reporting-MTA", "dns; mx.example"),
                ("Original-Envelope-Id", "QQ314159"),
                ("X-Mta-Queue-ID", QueueId),
                ("Received-From-MTA", "dns; client.example"),
                ("Arrival-Date", "Sat, 28 Nov 2026 20:16:47 +0000"),
            ],
            Fields(groups[0]));
        Assert.Equal("rfc822; info@example.org", groups[1]["Original-Recipient"]);
        Assert.Equal(["Final-Recipient", "Original-Recipient", "Action"], groups[1].Take(3).Select(static h => h.Field));
        Assert.Contains("\n<john@remote.example> (expanded from <info@example.org>): host\n", Notification(message));
    }

    [Fact]
    public void Original_recipient_equal_to_the_final_one_is_not_called_an_expansion()
    {
        var same = UnknownUser with { OriginalRecipient = "rfc822;John@Remote.Example" };

        var text = Notification(RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, same), Original()));

        Assert.Contains("<john@remote.example>: host", text);
        Assert.DoesNotContain("expanded from", text);
    }

    [Fact]
    public void Failure_text_uses_Postfix_wording()
    {
        var text = Notification(RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser), Original()));

        Assert.StartsWith(
            "This is the mail system at host mx.example.\n" +
            "\n" +
            "I'm sorry to have to inform you that your message could not\n" +
            "be delivered to one or more recipients. It's attached below.\n" +
            "\n" +
            "For further assistance, please send mail to <postmaster@mx.example>\n" +
            "\n" +
            "If you do so, please include this problem report. You can\n" +
            "delete your own text from the attached returned message.\n" +
            "\n" +
            "                   The mail system\n" +
            "\n" +
            "<john@remote.example>: host mx1.remote.example said: 550 5.1.1\n",
            text);
    }

    [Theory]
    [InlineData(DsnKind.Failure, DsnAction.Failed, "Undelivered Mail Returned to Sender")]
    [InlineData(DsnKind.Delay, DsnAction.Delayed, "Delayed Mail (still being retried)")]
    [InlineData(DsnKind.Success, DsnAction.Delivered, "Successful Mail Delivery Report")]
    public void Headers_are_those_of_Postfix_bounce(DsnKind kind, DsnAction action, string subject)
    {
        var recipient = UnknownUser with { Action = action, Status = action == DsnAction.Delivered ? "2.0.0" : "4.4.1" };

        var message = RoundTrip(Request(kind, DsnReturn.Unspecified, recipient), Original());

        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(MailerDaemon, from.Address);
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal(Sender, Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal(subject, message.Subject);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal(Now, message.Date);
        Assert.EndsWith("@" + Host, message.MessageId);
        Assert.Equal("1.0", message.Headers[HeaderId.MimeVersion]);
    }

    [Fact]
    public void Every_notification_gets_a_fresh_message_id()
    {
        var request = Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser);

        Assert.NotEqual(Build(request, Original()).MessageId, Build(request, Original()).MessageId);
    }

    [Theory]
    [InlineData(DsnKind.Failure, DsnReturn.Full, true)]
    [InlineData(DsnKind.Failure, DsnReturn.Unspecified, true)]
    [InlineData(DsnKind.Failure, DsnReturn.Headers, false)]
    [InlineData(DsnKind.Delay, DsnReturn.Full, false)]
    [InlineData(DsnKind.Delay, DsnReturn.Unspecified, false)]
    [InlineData(DsnKind.Success, DsnReturn.Full, false)]
    public void Ret_and_kind_decide_whether_the_whole_original_is_returned(DsnKind kind, DsnReturn ret, bool whole)
    {
        var action = kind switch { DsnKind.Failure => DsnAction.Failed, DsnKind.Delay => DsnAction.Delayed, _ => DsnAction.Delivered };
        var request = Request(kind, ret, UnknownUser with { Action = action });

        var bytes = Serialize(request, Original());
        var returned = Report(MimeMessage.Load(new MemoryStream(bytes)))[2];

        Assert.Equal("Quarterly figures", Embedded(returned).Subject);
        Assert.Equal("<orig-1@example.org>", Embedded(returned).Headers[HeaderId.MessageId]);
        if (whole)
        {
            Assert.IsType<MessagePart>(returned);
            Assert.Equal("message/rfc822", returned.ContentType.MimeType);
            Assert.Equal(BodyLine + "\n", Embedded(returned).TextBody?.ReplaceLineEndings("\n"));
        }
        else
        {
            Assert.IsType<TextRfc822Headers>(returned);
            Assert.Equal("text/rfc822-headers", returned.ContentType.MimeType);
            Assert.DoesNotContain(BodyLine, Encoding.UTF8.GetString(bytes));
        }
    }

    [Fact]
    public void Returned_part_is_described_as_Postfix_does()
    {
        var failure = Report(RoundTrip(Request(DsnKind.Failure, DsnReturn.Headers, UnknownUser), Original()));
        var success = Report(RoundTrip(
            Request(DsnKind.Success, DsnReturn.Unspecified, UnknownUser with { Action = DsnAction.Relayed, Status = "2.0.0" }),
            Original()));

        Assert.Equal("Undelivered Message Headers", failure[2].Headers[HeaderId.ContentDescription]);
        Assert.Equal("Message Headers", success[2].Headers[HeaderId.ContentDescription]);
    }

    [Fact]
    public void Large_original_is_returned_as_headers_only_even_with_ret_full()
    {
        var largeBody = string.Concat(Enumerable.Repeat(BodyLine + "\r\n", 4000));

        var bytes = Serialize(Request(DsnKind.Failure, DsnReturn.Full, UnknownUser), Original(largeBody));

        var returned = Assert.IsType<TextRfc822Headers>(Report(MimeMessage.Load(new MemoryStream(bytes)))[2]);
        Assert.Equal("Quarterly figures", Embedded(returned).Subject);
        Assert.DoesNotContain(BodyLine, Encoding.UTF8.GetString(bytes));
        Assert.True(bytes.Length < DsnRequest.DefaultMaxReturnedBytes, $"{bytes.Length} octets");
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void Size_cap_is_inclusive(int octetsOverCap, bool whole)
    {
        var original = Original();
        var cap = Encoding.UTF8.GetByteCount(original) - octetsOverCap;
        var request = Request(DsnKind.Failure, DsnReturn.Full, UnknownUser) with { MaxReturnedBytes = cap };

        var returned = Report(RoundTrip(request, original))[2];

        Assert.Equal(whole ? "message/rfc822" : "text/rfc822-headers", returned.ContentType.MimeType);
    }

    [Fact]
    public void Original_is_read_no_further_than_the_cap()
    {
        var original = new EndlessMessageStream(Encoding.ASCII.GetBytes(Original(body: string.Empty)));
        var request = Request(DsnKind.Failure, DsnReturn.Full, UnknownUser) with { MaxReturnedBytes = 10_000 };

        var message = DsnBuilder.Build(request, original, new FakeTimeProvider(Now));

        Assert.InRange(original.OctetsRead, 10_000, 10_001);
        Assert.Equal("Quarterly figures", Embedded(Assert.IsType<TextRfc822Headers>(Report(message)[2])).Subject);
    }

    [Fact]
    public void Headers_longer_than_the_cap_are_cut_after_the_last_whole_field()
    {
        const string filler = "X-Filler: a folded value\r\n\tcontinued on a second line\r\n";
        var original = "Subject: Many fields\r\n" + string.Concat(Enumerable.Repeat(filler, 500)) + "\r\n" + BodyLine + "\r\n";
        var cap = 22 + 100 * filler.Length + 30;
        var request = Request(DsnKind.Failure, DsnReturn.Full, UnknownUser) with { MaxReturnedBytes = cap };

        var returned = Assert.IsType<TextRfc822Headers>(Report(RoundTrip(request, original))[2]);

        var fillers = Embedded(returned).Headers.Where(static h => h.Field == "X-Filler").ToList();
        Assert.Equal(100, fillers.Count);
        Assert.All(fillers, static h => Assert.Equal("a folded value\tcontinued on a second line", h.Value));
        Assert.Equal("Many fields", Embedded(returned).Subject);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Output_has_crlf_line_ends_only(string originalNewLine)
    {
        var recipients = new[]
        {
            UnknownUser,
            UnknownUser with { FinalRecipient = "mary@remote.example", DiagnosticCode = "smtp; 550 " + new string('x', 300) },
        };

        var bytes = Serialize(Request(DsnKind.Failure, DsnReturn.Full, recipients), Original(newLine: originalNewLine));

        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n') Assert.True(i > 0 && bytes[i - 1] == (byte)'\r', $"bare LF at {i}");
            if (bytes[i] == (byte)'\r') Assert.True(i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n', $"bare CR at {i}");
        }
        Assert.Contains(BodyLine + "\r\n", Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void Notification_lines_fit_a_terminal_even_for_a_long_reply()
    {
        var verbose = UnknownUser with { DiagnosticCode = "smtp; 550 5.7.1 " + new string('y', 200) + " rejected by policy" };

        var text = Notification(RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, verbose), Original()));

        var lines = text.Split('\n');
        Assert.All(lines, static line => Assert.InRange(line.Length, 0, 78));
        Assert.Contains(lines, static line => line.StartsWith("    y", StringComparison.Ordinal) && line.EndsWith(" rejected by policy", StringComparison.Ordinal));
        var paragraph = lines.SkipWhile(static line => !line.StartsWith("<john@", StringComparison.Ordinal));
        Assert.Contains(new string('y', 200), string.Concat(paragraph.Select(static line => line.TrimStart())));
    }

    [Fact]
    public void Delay_warning_reports_the_retry_horizon()
    {
        var delayed = new DsnRecipient("john@remote.example", null, DsnAction.Delayed, "4.4.1", "mx1.remote.example",
            "smtp; 421 4.4.1 Try again later", LastAttempt, Arrival.AddDays(5));

        var message = RoundTrip(Request(DsnKind.Delay, DsnReturn.Unspecified, delayed), Original());

        Assert.Equal(
            [
                ("Final-Recipient", "rfc822; john@remote.example"),
                ("Action", "delayed"),
                ("Status", "4.4.1"),
                ("Remote-MTA", "dns; mx1.remote.example"),
                ("Diagnostic-Code", "smtp; 421 4.4.1 Try again later"),
                ("Last-Attempt-Date", "Sun, 29 Nov 2026 01:16:47 +0000"),
                ("Will-Retry-Until", "Thu, 03 Dec 2026 20:16:47 +0000"),
            ],
            Fields(StatusGroups(message)[1]));
        var text = Notification(message);
        Assert.Contains("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n", text);
        Assert.Contains("Your message could not be delivered for more than 5 hour(s).\n", text);
        Assert.Contains("It will be retried until it is 5 day(s) old.\n", text);
        Assert.Contains("<john@remote.example>: host mx1.remote.example said: 421 4.4.1 Try again later\n", text);
        Assert.Equal("Undelivered Message Headers", Report(message)[2].Headers[HeaderId.ContentDescription]);
    }

    [Fact]
    public void Success_report_says_where_the_message_went()
    {
        var delivered = new DsnRecipient("john@remote.example", null, DsnAction.Delivered, "2.0.0", "mx1.remote.example",
            "smtp; 250 2.0.0 Ok", LastAttempt, null);
        var local = new DsnRecipient("ann@example.com", null, DsnAction.Delivered, "2.0.0", null, null, LastAttempt, null);

        var message = RoundTrip(Request(DsnKind.Success, DsnReturn.Full, delivered, local), Original());

        var groups = StatusGroups(message);
        Assert.Equal(["delivered", "delivered"], groups.Skip(1).Select(static g => g["Action"]));
        Assert.Null(groups[1]["Will-Retry-Until"]);
        var text = Notification(message);
        Assert.Contains("Your message was successfully delivered to the destination(s)\n", text);
        Assert.Contains("\n<john@remote.example>: delivery via mx1.remote.example: 250 2.0.0 Ok\n", text);
        Assert.Contains("<ann@example.com>: delivered, status 2.0.0\n", text);
    }

    [Fact]
    public void A_line_break_in_a_remote_reply_cannot_forge_a_field()
    {
        var hostile = UnknownUser with { DiagnosticCode = "smtp; 550 no\r\nAction: delivered\r\nStatus: 2.0.0", RemoteMta = "evil\r\nX: y" };

        var group = StatusGroups(RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, hostile), Original()))[1];

        Assert.Equal(["Final-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code", "Last-Attempt-Date"],
            group.Select(static h => h.Field));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.Equal("smtp; 550 no  Action: delivered  Status: 2.0.0", group["Diagnostic-Code"]);
    }

    [Fact]
    public void Diagnostic_without_a_type_is_marked_as_ours()
    {
        var local = UnknownUser with { DiagnosticCode = "mail for example.com loops back to myself", RemoteMta = null };

        var group = StatusGroups(RoundTrip(Request(DsnKind.Failure, DsnReturn.Unspecified, local), Original()))[1];

        Assert.Equal("X-Mta; mail for example.com loops back to myself", group["Diagnostic-Code"]);
    }

    [Fact]
    public void Eight_bit_original_is_declared_8bit()
    {
        var original = Original(body: "Gr\u00fc\u00dfe aus M\u00fcnchen\r\n");

        var returned = Report(RoundTrip(Request(DsnKind.Failure, DsnReturn.Full, UnknownUser), original))[2];

        Assert.Equal("8bit", returned.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Equal("Gr\u00fc\u00dfe aus M\u00fcnchen\n", Embedded(returned).TextBody?.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Unreadable_original_gets_a_placeholder()
    {
        var returned = Report(RoundTrip(Request(DsnKind.Failure, DsnReturn.Full, UnknownUser), string.Empty))[2];

        var placeholder = Assert.IsType<TextPart>(returned);
        Assert.Equal("\t--- Undelivered Message unavailable ---\n", placeholder.Text.ReplaceLineEndings("\n"));
    }

    public static TheoryData<string, DsnRequest> InvalidRequests => new()
    {
        { "no recipients", Request(DsnKind.Failure, DsnReturn.Unspecified) },
        { "delivered in a failure", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { Action = DsnAction.Delivered }) },
        { "failed in a delay", Request(DsnKind.Delay, DsnReturn.Unspecified, UnknownUser) },
        { "delayed in a success", Request(DsnKind.Success, DsnReturn.Unspecified, UnknownUser with { Action = DsnAction.Delayed }) },
        { "two-part status", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { Status = "5.1" }) },
        { "status class 6", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { Status = "6.0.0" }) },
        { "reply code as status", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { Status = "550" }) },
        { "four-digit detail", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { Status = "5.1.1000" }) },
        { "empty recipient", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser with { FinalRecipient = " " }) },
        { "no cap", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser) with { MaxReturnedBytes = 0 } },
        { "no reporting MTA", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser) with { ReportingMta = "" } },
        { "no addressee", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser) with { Recipient = "" } },
        { "addressee not an address", Request(DsnKind.Failure, DsnReturn.Unspecified, UnknownUser) with { Recipient = "a@b@@" } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void Inconsistent_request_is_refused(string because, DsnRequest request)
    {
        Assert.False(string.IsNullOrEmpty(because));
        Assert.ThrowsAny<ArgumentException>(() => Build(request, Original()));
    }

    /// <summary>A non-seekable stream that serves the given headers, then body lines forever, counting what is read.</summary>
    private sealed class EndlessMessageStream(byte[] headers) : Stream
    {
        private static readonly byte[] Line = Encoding.ASCII.GetBytes(BodyLine + "\r\n");

        public long OctetsRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => OctetsRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var position = OctetsRead + i;
                buffer[offset + i] = position < headers.Length
                    ? headers[position]
                    : Line[(position - headers.Length) % Line.Length];
            }
            OctetsRead += count;
            return count;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
