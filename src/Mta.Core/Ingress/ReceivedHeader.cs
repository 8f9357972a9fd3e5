using System.Globalization;
using System.Text;

namespace Mta.Core.Ingress;

/// <summary>Builds the Received header added to every message at reception (RFC 5321 4.4), as Postfix writes it.</summary>
public static class ReceivedHeader
{
    /// <summary>The header with its trailing CRLF, continuation lines indented with a tab.</summary>
    /// <param name="heloName">What the client said in HELO/EHLO.</param>
    /// <param name="clientName">The client's verified host name, or "unknown".</param>
    /// <param name="clientAddress">The client's IP address.</param>
    /// <param name="tlsLines">Comment lines describing TLS, each without indentation or CRLF; none without TLS.</param>
    /// <param name="myHostname">This server's name.</param>
    /// <param name="protocol">ESMTP, ESMTPS, SMTP, UTF8SMTP, UTF8SMTPS... (RFC 3848, RFC 6531).</param>
    /// <param name="queueId">The queue id.</param>
    /// <param name="singleRecipient">The recipient when there is exactly one, else null (a list would reveal Bcc recipients).</param>
    /// <param name="date">The time of reception.</param>
    public static string Build(string heloName, string clientName, string clientAddress, IReadOnlyList<string> tlsLines,
        string myHostname, string protocol, string queueId, string? singleRecipient, DateTimeOffset date)
    {
        var builder = new StringBuilder(256);
        builder.Append("Received: from ").Append(Clean(heloName)).Append(" (").Append(clientName)
            .Append(" [").Append(clientAddress).Append("])\r\n");
        foreach (var line in tlsLines) builder.Append('\t').Append(line).Append("\r\n");
        builder.Append("\tby ").Append(myHostname).Append(" (Mta) with ").Append(protocol).Append(" id ").Append(queueId);
        if (singleRecipient is not null)
            builder.Append("\r\n\tfor <").Append(Clean(singleRecipient)).Append('>');
        builder.Append("; ").Append(FormatDate(date)).Append("\r\n");
        return builder.ToString();
    }

    /// <summary>The protocol word of RFC 3848 and RFC 6531 for what the session used.</summary>
    public static string Protocol(bool esmtp, bool tls, bool smtpUtf8) => (esmtp, tls, smtpUtf8) switch
    {
        (_, false, true) => "UTF8SMTP",
        (_, true, true) => "UTF8SMTPS",
        (false, false, _) => "SMTP",
        (false, true, _) => "SMTPS",
        (true, false, _) => "ESMTP",
        (true, true, _) => "ESMTPS",
    };

    /// <summary>RFC 5322 date-time: "Sat, 28 Nov 2026 20:16:47 +0000".</summary>
    public static string FormatDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{date:ddd, d MMM yyyy HH:mm:ss} {sign}{abs.Hours:00}{abs.Minutes:00}");
    }

    /// <summary>Client-supplied text may not break the header: control characters become spaces.</summary>
    private static string Clean(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c)) return string.Create(text.Length, text, static (span, s) =>
            {
                for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? ' ' : s[i];
            });
        }
        return text;
    }
}
