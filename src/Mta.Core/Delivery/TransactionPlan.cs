using System.Globalization;
using System.Text;
using Mta.Core.Queue;
using Mta.Protocol;

namespace Mta.Core.Delivery;

/// <summary>How the message content must be changed before it may go to the server.</summary>
internal enum ContentConversion
{
    /// <summary>Sent as stored, only made canonical on the wire.</summary>
    None,

    /// <summary>8-bit content to a server without 8BITMIME: re-encoded to 7 bit (RFC 6152 section 3).</summary>
    SevenBit,

    /// <summary>BINARYMIME content sent with DATA, which cannot carry binary: re-encoded to at most 8 bit.</summary>
    EightBit,
}

/// <summary>
/// Decides, without I/O, what one mail transaction sends: the MAIL and RCPT command lines with the
/// parameters the server offers, whether the content must be converted, or that the message cannot go
/// to this server at all. Postfix's <c>smtp_proto.c</c> is the model.
/// </summary>
/// <param name="LocalFailure">Set when nothing may be sent: the reply every recipient gets.</param>
/// <param name="Conversion">What the content needs before DATA.</param>
/// <param name="MailCommand">The MAIL FROM line without CRLF.</param>
/// <param name="RcptCommands">One RCPT TO line per recipient, in the order asked.</param>
internal sealed record TransactionPlan(
    SmtpReply? LocalFailure,
    ContentConversion Conversion,
    string MailCommand,
    IReadOnlyList<string> RcptCommands)
{
    /// <summary>
    /// Whether the body must be read to learn if it holds 8-bit octets: only when the envelope says 7 bit
    /// and the server could not take 8 bit. A server that takes 8 bit is sent BODY=8BITMIME only when the
    /// envelope declared it, so the body is not read twice on the common path.
    /// </summary>
    public static bool MustScanBody(MessageEnvelope envelope, ServerCapabilities server) =>
        envelope.BodyType == BodyType.SevenBit && !server.AcceptsEightBit;

    /// <summary>Plans the transaction for the given recipients.</summary>
    /// <param name="envelope">The message.</param>
    /// <param name="recipientIndexes">Indexes into <see cref="MessageEnvelope.Recipients"/>.</param>
    /// <param name="server">What the server offered.</param>
    /// <param name="peerName">The server as named in locally made replies.</param>
    /// <param name="bodyHasEightBit">Whether a scan found 8-bit octets (see <see cref="MustScanBody"/>).</param>
    /// <exception cref="ArgumentException">An address or parameter holds a control character, which would let it forge commands.</exception>
    public static TransactionPlan Create(
        MessageEnvelope envelope,
        IReadOnlyList<int> recipientIndexes,
        ServerCapabilities server,
        string peerName,
        bool bodyHasEightBit)
    {
        var recipients = new EnvelopeRecipient[recipientIndexes.Count];
        bool needsSmtpUtf8 = !Ascii.IsValid(envelope.Sender);
        for (int i = 0; i < recipients.Length; i++)
        {
            recipients[i] = envelope.Recipients[recipientIndexes[i]];
            needsSmtpUtf8 |= !Ascii.IsValid(recipients[i].Address);
        }

        if (needsSmtpUtf8 && !server.SmtpUtf8)
        {
            return Refused(SmtpReply.Create(554, "5.6.7", $"SMTPUTF8 is required, but was not offered by host {peerName}"));
        }

        if (server.Size && server.SizeLimit > 0 && envelope.Body.Length > server.SizeLimit)
        {
            return Refused(SmtpReply.Create(
                552, "5.3.4",
                string.Create(CultureInfo.InvariantCulture, $"message size {envelope.Body.Length} exceeds size limit {server.SizeLimit} of server {peerName}")));
        }

        ContentConversion conversion = envelope.BodyType switch
        {
            BodyType.BinaryMime => server.AcceptsEightBit ? ContentConversion.EightBit : ContentConversion.SevenBit,
            BodyType.EightBitMime => server.AcceptsEightBit ? ContentConversion.None : ContentConversion.SevenBit,
            _ => bodyHasEightBit && !server.AcceptsEightBit ? ContentConversion.SevenBit : ContentConversion.None,
        };
        bool eightBitOnWire = conversion == ContentConversion.EightBit
            || (conversion == ContentConversion.None && envelope.BodyType == BodyType.EightBitMime);
        bool smtpUtf8 = server.SmtpUtf8 && (envelope.SmtpUtf8 || needsSmtpUtf8);

        var mail = new StringBuilder("MAIL FROM:<").Append(envelope.Sender).Append('>');

        // A converted message changes size, so its stored size would mislead (Postfix omits SIZE too).
        if (server.Size && conversion == ContentConversion.None)
        {
            mail.Append(CultureInfo.InvariantCulture, $" SIZE={envelope.Body.Length}");
        }

        if (eightBitOnWire && server.EightBitMime)
        {
            mail.Append(" BODY=8BITMIME");
        }

        if (server.Dsn)
        {
            if (envelope.EnvId is not null)
            {
                mail.Append(" ENVID=").Append(EncodeXtext(envelope.EnvId, smtpUtf8));
            }

            if (envelope.Ret != DsnReturn.Unspecified)
            {
                mail.Append(envelope.Ret == DsnReturn.Full ? " RET=FULL" : " RET=HDRS");
            }
        }

        if (smtpUtf8)
        {
            mail.Append(" SMTPUTF8");
        }

        var rcpts = new string[recipients.Length];
        for (int i = 0; i < recipients.Length; i++)
        {
            rcpts[i] = RcptCommand(recipients[i], server.Dsn, smtpUtf8);
        }

        return new TransactionPlan(null, conversion, EnsureSendable(mail.ToString()), rcpts);
    }

    private static TransactionPlan Refused(SmtpReply reply) => new(reply, ContentConversion.None, string.Empty, []);

    private static string RcptCommand(EnvelopeRecipient recipient, bool dsn, bool smtpUtf8)
    {
        var rcpt = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (dsn)
        {
            if (recipient.OriginalRecipient is { } original && original.IndexOf(';') is var separator and > 0)
            {
                string type = original[..separator];
                string address = original[(separator + 1)..];
                rcpt.Append(" ORCPT=").Append(type).Append(';').Append(
                    type.Equals("utf-8", StringComparison.OrdinalIgnoreCase) ? EncodeUtf8AddrXtext(address) : EncodeXtext(address, smtpUtf8));
            }

            if (recipient.Notify != DsnNotify.Unspecified)
            {
                rcpt.Append(" NOTIFY=").Append(NotifyKeywords(recipient.Notify));
            }
        }

        return EnsureSendable(rcpt.ToString());
    }

    private static string NotifyKeywords(DsnNotify notify)
    {
        if (notify.HasFlag(DsnNotify.Never))
        {
            return "NEVER";
        }

        var keywords = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success))
        {
            keywords.Add("SUCCESS");
        }

        if (notify.HasFlag(DsnNotify.Failure))
        {
            keywords.Add("FAILURE");
        }

        if (notify.HasFlag(DsnNotify.Delay))
        {
            keywords.Add("DELAY");
        }

        return string.Join(',', keywords);
    }

    /// <summary>
    /// xtext (RFC 3461 section 4). Without SMTPUTF8 a non-ASCII character cannot go as it is, so each of
    /// its UTF-8 octets is written as <c>+XX</c>, which keeps the value intact for the next hop.
    /// </summary>
    private static string EncodeXtext(string value, bool utf8Allowed)
    {
        if (utf8Allowed || Ascii.IsValid(value))
        {
            return Xtext.Encode(value);
        }

        var text = new StringBuilder(value.Length + 16);
        Span<byte> octets = stackalloc byte[4];
        foreach (Rune rune in value.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                text.Append(Xtext.Encode(rune.ToString()));
                continue;
            }

            int length = rune.EncodeToUtf8(octets);
            foreach (byte octet in octets[..length])
            {
                text.Append('+').Append(octet.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The <c>utf-8-addr-xtext</c> form of an ORCPT address of type utf-8 (RFC 6533 section 3): printable
    /// ASCII except <c>+</c>, <c>=</c> and <c>\</c> as it is, everything else as <c>\x{HEX}</c>. It is plain
    /// ASCII, so it may go to any server.
    /// </summary>
    private static string EncodeUtf8AddrXtext(string address)
    {
        var text = new StringBuilder(address.Length + 16);
        foreach (Rune rune in address.EnumerateRunes())
        {
            if (rune.Value is >= '!' and <= '~' and not '+' and not '=' and not '\\')
            {
                text.Append((char)rune.Value);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{{{rune.Value:X}}}");
            }
        }

        return text.ToString();
    }

    private static string EnsureSendable(string command)
    {
        // Stored addresses come from our own parser; a control character here would be a forged command.
        foreach (char c in command)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"A command built from the envelope contains a control character: {command.Replace('\r', '?').Replace('\n', '?')}");
            }
        }

        return command;
    }
}
