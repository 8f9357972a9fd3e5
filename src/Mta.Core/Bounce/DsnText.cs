using System.Globalization;
using System.Text;

namespace Mta.Core.Bounce;

/// <summary>The human-readable first part of a notification, in the words of Postfix's built-in bounce templates.</summary>
internal static class DsnText
{
    // Postfix wraps each recipient's explanation to fit a terminal, continuation lines indented.
    private const int LineWidth = 78;
    private const string ContinuationIndent = "    ";

    /// <summary>The subject Postfix gives this kind of notification.</summary>
    public static string Subject(DsnKind kind) => kind switch
    {
        DsnKind.Failure => "Undelivered Mail Returned to Sender",
        DsnKind.Delay => "Delayed Mail (still being retried)",
        DsnKind.Success => "Successful Mail Delivery Report",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown notification kind."),
    };

    /// <summary>The whole text: the template for the kind, then one paragraph per recipient; CRLF line ends.</summary>
    public static string Compose(DsnRequest request, DateTimeOffset now)
    {
        var lines = new List<string> { $"This is the mail system at host {DsnFields.Clean(request.ReportingMta)}.", string.Empty };
        var postmaster = $"postmaster@{DsnFields.Clean(request.ReportingMta)}";
        switch (request.Kind)
        {
            case DsnKind.Failure:
                lines.Add("I'm sorry to have to inform you that your message could not");
                lines.Add("be delivered to one or more recipients. It's attached below.");
                AddAssistance(lines, postmaster);
                break;
            case DsnKind.Delay:
                lines.Add("####################################################################");
                lines.Add("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #");
                lines.Add("####################################################################");
                lines.Add(string.Empty);
                lines.Add($"Your message could not be delivered for more than {Elapsed(now - request.ArrivalDate)}.");
                var retryUntil = request.Recipients.Max(static r => r.WillRetryUntil);
                if (retryUntil is { } until)
                    lines.Add($"It will be retried until it is {Lifetime(until - request.ArrivalDate)} old.");
                AddAssistance(lines, postmaster);
                break;
            case DsnKind.Success:
                lines.Add("Your message was successfully delivered to the destination(s)");
                lines.Add("listed below. If the message was delivered to mailbox you will");
                lines.Add("receive no further notifications. Otherwise you may still receive");
                lines.Add("notifications of mail delivery errors from other systems.");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown notification kind.");
        }
        lines.Add(string.Empty);
        lines.Add("                   The mail system");

        foreach (var recipient in request.Recipients)
        {
            lines.Add(string.Empty);
            lines.AddRange(Wrap(Explain(recipient)));
        }

        var text = new StringBuilder();
        foreach (var line in lines) text.Append(line).Append("\r\n");
        return text.ToString();
    }

    /// <summary>One recipient's line: <c>&lt;final&gt; (expanded from &lt;original&gt;): reason</c>.</summary>
    public static string Explain(DsnRecipient recipient)
    {
        var final = DsnFields.Clean(recipient.FinalRecipient);
        var explanation = new StringBuilder().Append('<').Append(final).Append('>');
        if (recipient.OriginalRecipient is { } original)
        {
            var originalAddress = DsnFields.Untyped(original);
            if (!originalAddress.Equals(final, StringComparison.OrdinalIgnoreCase))
                explanation.Append(" (expanded from <").Append(originalAddress).Append(">)");
        }
        return explanation.Append(": ").Append(Reason(recipient)).ToString();
    }

    private static string Reason(DsnRecipient recipient)
    {
        var host = recipient.RemoteMta is null ? null : DsnFields.Clean(recipient.RemoteMta);
        var diagnostic = recipient.DiagnosticCode is null ? null : DsnFields.Untyped(recipient.DiagnosticCode);
        var delivered = recipient.Action is DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded;
        return (host, diagnostic, delivered) switch
        {
            (not null, not null, false) => $"host {host} said: {diagnostic}",
            (not null, not null, true) => $"delivery via {host}: {diagnostic}",
            (null, not null, _) => diagnostic,
            (not null, null, _) => $"{DsnFields.ActionKeyword(recipient.Action)} via {host}, status {recipient.Status}",
            (null, null, _) => $"{DsnFields.ActionKeyword(recipient.Action)}, status {recipient.Status}",
        };
    }

    private static void AddAssistance(List<string> lines, string postmaster)
    {
        lines.Add(string.Empty);
        lines.Add($"For further assistance, please send mail to <{postmaster}>");
        lines.Add(string.Empty);
        lines.Add("If you do so, please include this problem report. You can");
        lines.Add("delete your own text from the attached returned message.");
    }

    /// <summary>How long the message has waited, rounded down so that "more than" stays true.</summary>
    private static string Elapsed(TimeSpan waited)
    {
        if (waited < TimeSpan.Zero) waited = TimeSpan.Zero;
        return waited >= TimeSpan.FromHours(1)
            ? Count((long)waited.TotalHours, "hour")
            : Count((long)waited.TotalMinutes, "minute");
    }

    /// <summary>The queue lifetime, in days when it is a whole number of days (Postfix's maximal_queue_lifetime is usually), else in hours or minutes.</summary>
    private static string Lifetime(TimeSpan lifetime)
    {
        if (lifetime < TimeSpan.Zero) lifetime = TimeSpan.Zero;
        if (lifetime >= TimeSpan.FromDays(1) && lifetime.Ticks % TimeSpan.TicksPerDay == 0)
            return Count((long)lifetime.TotalDays, "day");
        return lifetime >= TimeSpan.FromHours(1)
            ? Count((long)Math.Round(lifetime.TotalHours, MidpointRounding.AwayFromZero), "hour")
            : Count((long)Math.Round(lifetime.TotalMinutes, MidpointRounding.AwayFromZero), "minute");
    }

    private static string Count(long count, string unit) => string.Create(CultureInfo.InvariantCulture, $"{count} {unit}(s)");

    /// <summary>Breaks a long line at spaces; a word longer than a line is cut, so no line exceeds the width.</summary>
    public static IEnumerable<string> Wrap(string text)
    {
        var line = new StringBuilder();
        var prefix = string.Empty;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var separator = line.Length > prefix.Length ? 1 : 0;
                var room = LineWidth - line.Length - separator;
                if (rest.Length <= room)
                {
                    if (separator == 1) line.Append(' ');
                    line.Append(rest);
                    rest = string.Empty;
                }
                else if (line.Length > prefix.Length)
                {
                    yield return line.ToString();
                    prefix = ContinuationIndent;
                    line.Clear().Append(prefix);
                }
                else
                {
                    line.Append(rest.AsSpan(0, room));
                    rest = rest[room..];
                    yield return line.ToString();
                    prefix = ContinuationIndent;
                    line.Clear().Append(prefix);
                }
            }
        }
        if (line.Length > prefix.Length) yield return line.ToString();
    }
}
