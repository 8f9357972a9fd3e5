using System.Text;
using MimeKit;
using MimeKit.Utils;
using Mta.Protocol;

namespace Mta.Core.Bounce;

/// <summary>
/// Builds delivery status notifications (RFC 3464, multipart/report of RFC 6522) as Postfix's bounce(8) writes them, to
/// be queued with the null sender <c>&lt;&gt;</c>. Pure: no queue, no sockets; the caller decides with
/// <see cref="DsnPolicy"/> whether and to whom to send one.
/// </summary>
public static class DsnBuilder
{
    /// <summary>The display name Postfix gives MAILER-DAEMON in From.</summary>
    public const string MailSystemName = "Mail Delivery System";

    /// <summary>The header field naming the original's queue id, as Postfix writes X-Postfix-Queue-ID.</summary>
    public const string QueueIdField = "X-Mta-Queue-ID";

    /// <summary>Builds the notification, dated now.</summary>
    /// <inheritdoc cref="Build(DsnRequest, Stream, TimeProvider)"/>
    public static MimeMessage Build(DsnRequest request, Stream originalMessage) =>
        Build(request, originalMessage, TimeProvider.System);

    /// <summary>Builds the notification.</summary>
    /// <param name="request">What to report; validated first.</param>
    /// <param name="originalMessage">The original message as stored, positioned at its first header. At most
    /// <see cref="DsnRequest.MaxReturnedBytes"/> + 1 octets are read; the stream is not disposed.</param>
    /// <param name="clock">Gives the Date and the time waited that a delay warning states.</param>
    /// <exception cref="ArgumentException">The request is incomplete or inconsistent: no recipients, an action that does not
    /// fit the kind, a malformed status code, an unusable address, or a non-positive size cap.</exception>
    public static MimeMessage Build(DsnRequest request, Stream originalMessage, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(originalMessage);
        ArgumentNullException.ThrowIfNull(clock);
        Validate(request);
        var now = clock.GetUtcNow();

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(MailSystemName, request.Postmaster));
        message.To.Add(ParseMailbox(request.Recipient, nameof(DsnRequest.Recipient)));
        message.Subject = DsnText.Subject(request.Kind);
        message.Date = now;
        message.MessageId = MimeUtils.GenerateMessageId(request.ReportingMta);
        // RFC 3834: marks the notification as automatic, so that responders do not answer it.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status") { Preamble = "This is a MIME-encapsulated message." };
        report.Add(Notification(request, now));
        report.Add(DeliveryStatus(request));
        var returnsWhole = request.Kind == DsnKind.Failure && request.Ret != DsnReturn.Headers;
        report.Add(ReturnedOriginal.Create(originalMessage, returnsWhole, request.MaxReturnedBytes,
            undelivered: request.Kind != DsnKind.Success));
        message.Body = report;
        return message;
    }

    /// <summary>Writes the message as it is to be queued: CRLF line ends throughout.</summary>
    public static void WriteTo(MimeMessage message, Stream output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, output);
    }

    /// <summary>The message as <see cref="WriteTo"/> writes it.</summary>
    public static byte[] ToBytes(MimeMessage message)
    {
        using var output = new MemoryStream();
        WriteTo(message, output);
        return output.ToArray();
    }

    private static TextPart Notification(DsnRequest request, DateTimeOffset now)
    {
        var text = DsnText.Compose(request, now);
        var ascii = Ascii.IsValid(text);
        var part = new TextPart("plain")
        {
            ContentTransferEncoding = ascii ? ContentEncoding.SevenBit : ContentEncoding.QuotedPrintable,
        };
        part.SetText(ascii ? Encoding.ASCII : Encoding.UTF8, text);
        part.Headers.Insert(0, new Header(HeaderId.ContentDescription, "Notification"));
        return part;
    }

    private static MessageDeliveryStatus DeliveryStatus(DsnRequest request)
    {
        // RFC 3464 section 2.1: the per-message fields come first, then one group per recipient.
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + DsnFields.Clean(request.ReportingMta) },
        };
        if (request.EnvId is { } envId) perMessage.Add("Original-Envelope-Id", DsnFields.Clean(envId));
        perMessage.Add(QueueIdField, DsnFields.Clean(request.QueueId));
        if (request.ReceivedFromMta is { } client) perMessage.Add("Received-From-MTA", "dns; " + DsnFields.Clean(client));
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(request.ArrivalDate));

        var content = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        perMessage.WriteTo(options, content);
        foreach (var recipient in request.Recipients)
            PerRecipient(recipient).WriteTo(options, content);
        // Each group is written with the empty line that separates it from the next; the last one needs none, and a
        // trailing empty line would read back as an empty group.
        content.SetLength(content.Length - 2);
        content.Position = 0;

        var status = new MessageDeliveryStatus { Content = new MimeContent(content) };
        status.Headers.Insert(0, new Header(HeaderId.ContentDescription, "Delivery report"));
        return status;
    }

    private static HeaderList PerRecipient(DsnRecipient recipient)
    {
        var fields = new HeaderList { { "Final-Recipient", "rfc822; " + DsnFields.Clean(recipient.FinalRecipient) } };
        if (recipient.OriginalRecipient is { } original)
            fields.Add("Original-Recipient", DsnFields.Typed(original, "rfc822"));
        fields.Add("Action", DsnFields.ActionKeyword(recipient.Action));
        fields.Add("Status", recipient.Status);
        if (recipient.RemoteMta is { } remote) fields.Add("Remote-MTA", "dns; " + DsnFields.Clean(remote));
        if (recipient.DiagnosticCode is { } diagnostic)
            fields.Add("Diagnostic-Code", DsnFields.Typed(diagnostic, DsnFields.LocalDiagnosticType));
        if (recipient.LastAttempt is { } lastAttempt) fields.Add("Last-Attempt-Date", DateUtils.FormatDate(lastAttempt));
        if (recipient.Action == DsnAction.Delayed && recipient.WillRetryUntil is { } retryUntil)
            fields.Add("Will-Retry-Until", DateUtils.FormatDate(retryUntil));
        return fields;
    }

    private static void Validate(DsnRequest request)
    {
        RequireText(request.ReportingMta, nameof(DsnRequest.ReportingMta));
        RequireText(request.Postmaster, nameof(DsnRequest.Postmaster));
        RequireText(request.Recipient, nameof(DsnRequest.Recipient));
        RequireText(request.QueueId, nameof(DsnRequest.QueueId));
        if (request.MaxReturnedBytes <= 0 || request.MaxReturnedBytes >= Array.MaxLength)
            throw new ArgumentException($"{nameof(DsnRequest.MaxReturnedBytes)} must be positive and below {Array.MaxLength}.", nameof(request));
        if (request.Recipients is not { Count: > 0 })
            throw new ArgumentException("A notification reports at least one recipient.", nameof(request));
        foreach (var recipient in request.Recipients)
        {
            RequireText(recipient.FinalRecipient, nameof(DsnRecipient.FinalRecipient));
            if (!DsnFields.IsStatusCode(recipient.Status))
                throw new ArgumentException($"'{recipient.Status}' is not an RFC 3463 status code (such as 5.1.1).", nameof(request));
            if (!Fits(recipient.Action, request.Kind))
                throw new ArgumentException(
                    $"A {request.Kind} notification cannot report the action '{DsnFields.ActionKeyword(recipient.Action)}' for <{recipient.FinalRecipient}>.",
                    nameof(request));
        }
    }

    private static bool Fits(DsnAction action, DsnKind kind) => kind switch
    {
        DsnKind.Failure => action == DsnAction.Failed,
        DsnKind.Delay => action == DsnAction.Delayed,
        DsnKind.Success => action is DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded,
        _ => false,
    };

    private static void RequireText(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{name} must not be empty.", name);
    }

    private static MailboxAddress ParseMailbox(string address, string name) =>
        MailboxAddress.TryParse(address, out var mailbox)
            ? mailbox
            : throw new ArgumentException($"'{address}' is not a mail address.", name);
}
