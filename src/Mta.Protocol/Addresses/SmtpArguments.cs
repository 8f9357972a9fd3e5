using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Mta.Protocol;

/// <summary>
/// Parsers for the arguments of HELO/EHLO, MAIL, RCPT and BDAT, as found in
/// <see cref="SmtpCommand.Argument"/>. Each returns false with the reply to send rather than throwing.
/// </summary>
public static class SmtpArguments
{
    private const string FromPrefix = "FROM:";
    private const string ToPrefix = "TO:";

    [Flags]
    private enum MailParameters
    {
        None = 0,
        Size = 1,
        Body = 2,
        SmtpUtf8 = 4,
        Ret = 8,
        EnvId = 16,
        Auth = 32,
    }

    [Flags]
    private enum RcptParameters
    {
        None = 0,
        Notify = 1,
        Orcpt = 2,
    }

    private enum PathSyntax
    {
        Valid,
        BadCommandSyntax,
        BadAddress,
    }

    /// <summary>Parses an EHLO argument; see <see cref="TryParseHelo(SmtpVerb, string, out string, out SmtpReply)"/>.</summary>
    public static bool TryParseHelo(
        string argument,
        [MaybeNullWhen(false)] out string domain,
        [MaybeNullWhen(true)] out SmtpReply error) =>
        TryParseHelo(SmtpVerb.Ehlo, argument, out domain, out error);

    /// <summary>
    /// Parses the argument of HELO or EHLO: the first word, whatever it holds (a host name, an address
    /// literal or anything else, as Postfix accepts by default). Fails only when there is none, with
    /// <c>501 5.5.4 Syntax: HELO hostname</c> or <c>... EHLO hostname</c> according to <paramref name="verb"/>.
    /// </summary>
    public static bool TryParseHelo(
        SmtpVerb verb,
        string argument,
        [MaybeNullWhen(false)] out string domain,
        [MaybeNullWhen(true)] out SmtpReply error)
    {
        ArgumentNullException.ThrowIfNull(argument);
        ReadOnlySpan<char> text = argument.AsSpan().Trim(" \t");
        if (text.IsEmpty)
        {
            domain = null;
            error = verb == SmtpVerb.Helo ? Replies.HeloSyntax : Replies.EhloSyntax;
            return false;
        }

        int end = text.IndexOfAny(' ', '\t');
        ReadOnlySpan<char> word = end < 0 ? text : text[..end];
        domain = word.Length == argument.Length ? argument : word.ToString();
        error = null;
        return true;
    }

    /// <summary>
    /// Parses <c>FROM:&lt;path&gt; [parameters]</c>: the prefix in any case, optionally followed by spaces
    /// as Postfix tolerates; <c>&lt;&gt;</c> is the null sender; a source route is removed. Parameters:
    /// SIZE, BODY, SMTPUTF8, RET, ENVID and AUTH (accepted and ignored), each at most once.
    /// </summary>
    /// <returns>
    /// False with <c>501 5.5.4 Syntax: MAIL FROM:&lt;address&gt;</c>, <c>501 5.1.7 Bad sender address
    /// syntax</c>, <c>555 5.5.4 Unsupported option</c>, a duplicate-parameter or a parameter-syntax reply.
    /// A non-ASCII address without SMTPUTF8 is not an error here: see <see cref="Mailbox.IsUtf8"/>.
    /// </returns>
    public static bool TryParseMailFrom(
        string argument,
        [MaybeNullWhen(false)] out MailFromArguments args,
        [MaybeNullWhen(true)] out SmtpReply error)
    {
        ArgumentNullException.ThrowIfNull(argument);
        args = null;
        switch (SplitPath(argument, FromPrefix, out ReadOnlySpan<char> path, out ReadOnlySpan<char> parameters))
        {
            case PathSyntax.BadCommandSyntax:
                error = Replies.MailSyntax;
                return false;
            case PathSyntax.BadAddress:
                error = Replies.BadSenderAddress;
                return false;
        }

        Mailbox? reversePath = null;
        if (!path.IsEmpty && (!TryStripSourceRoute(ref path) || !Mailbox.TryParse(path, out reversePath)))
        {
            error = Replies.BadSenderAddress;
            return false;
        }

        long? size = null;
        BodyType body = BodyType.SevenBit;
        bool smtpUtf8 = false;
        DsnReturn ret = DsnReturn.Unspecified;
        string? envId = null;
        MailParameters seen = MailParameters.None;
        while (NextParameter(ref parameters, out ReadOnlySpan<char> parameter, out ReadOnlySpan<char> keyword, out ReadOnlySpan<char> value, out bool hasValue))
        {
            MailParameters current = Classify(keyword);
            if (current == MailParameters.None)
            {
                error = Replies.UnsupportedOption(parameter.ToString());
                return false;
            }

            if ((seen & current) != 0)
            {
                error = Replies.DuplicateParameter(keyword.ToString().ToUpperInvariant());
                return false;
            }

            seen |= current;
            error = current switch
            {
                MailParameters.Size => TryParseSize(value, hasValue, out size),
                MailParameters.Body => TryParseBody(value, hasValue, out body),
                MailParameters.SmtpUtf8 => hasValue ? Replies.BadSmtpUtf8Syntax : null,
                MailParameters.Ret => TryParseRet(value, hasValue, out ret),
                MailParameters.EnvId => TryParseEnvId(value, hasValue, out envId),
                _ => hasValue && !value.IsEmpty ? null : Replies.BadAuthSyntax,
            };
            if (error is not null)
            {
                return false;
            }

            smtpUtf8 |= current == MailParameters.SmtpUtf8;
        }

        args = new MailFromArguments(reversePath, size, body, smtpUtf8, ret, envId);
        error = null;
        return true;
    }

    /// <summary>
    /// Parses <c>TO:&lt;path&gt; [parameters]</c>. <c>&lt;Postmaster&gt;</c> without a domain is accepted
    /// (RFC 5321 section 4.1.1.3) as a mailbox with an empty domain; a source route
    /// <c>&lt;@a,@b:user@d&gt;</c> is accepted and removed. Parameters: NOTIFY and ORCPT, each at most once.
    /// </summary>
    /// <returns>
    /// False with <c>501 5.5.4 Syntax: RCPT TO:&lt;address&gt;</c>, <c>501 5.1.3 Bad recipient address
    /// syntax</c>, <c>555 5.5.4 Unsupported option</c>, a duplicate-parameter or a parameter-syntax reply.
    /// </returns>
    public static bool TryParseRcptTo(
        string argument,
        [MaybeNullWhen(false)] out RcptToArguments args,
        [MaybeNullWhen(true)] out SmtpReply error)
    {
        ArgumentNullException.ThrowIfNull(argument);
        args = null;
        switch (SplitPath(argument, ToPrefix, out ReadOnlySpan<char> path, out ReadOnlySpan<char> parameters))
        {
            case PathSyntax.BadCommandSyntax:
                error = Replies.RcptSyntax;
                return false;
            case PathSyntax.BadAddress:
                error = Replies.BadRecipientAddress;
                return false;
        }

        Mailbox? recipient;
        if (path.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            recipient = new Mailbox(path.ToString(), string.Empty);
        }
        else if (path.IsEmpty || !TryStripSourceRoute(ref path) || !Mailbox.TryParse(path, out recipient))
        {
            error = Replies.BadRecipientAddress;
            return false;
        }

        DsnNotify notify = DsnNotify.Unspecified;
        string? originalRecipient = null;
        RcptParameters seen = RcptParameters.None;
        while (NextParameter(ref parameters, out ReadOnlySpan<char> parameter, out ReadOnlySpan<char> keyword, out ReadOnlySpan<char> value, out bool hasValue))
        {
            RcptParameters current =
                keyword.Equals("NOTIFY", StringComparison.OrdinalIgnoreCase) ? RcptParameters.Notify
                : keyword.Equals("ORCPT", StringComparison.OrdinalIgnoreCase) ? RcptParameters.Orcpt
                : RcptParameters.None;
            if (current == RcptParameters.None)
            {
                error = Replies.UnsupportedOption(parameter.ToString());
                return false;
            }

            if ((seen & current) != 0)
            {
                error = Replies.DuplicateParameter(keyword.ToString().ToUpperInvariant());
                return false;
            }

            seen |= current;
            error = current == RcptParameters.Notify
                ? TryParseNotify(value, hasValue, out notify)
                : TryParseOriginalRecipient(value, hasValue, out originalRecipient);
            if (error is not null)
            {
                return false;
            }
        }

        args = new RcptToArguments(recipient, notify, originalRecipient);
        error = null;
        return true;
    }

    /// <summary>
    /// Parses <c>&lt;size&gt; [LAST]</c> of BDAT (RFC 3030): the size in decimal digits only, fitting a
    /// 64-bit integer; LAST in any case. Anything else fails with <c>501 5.5.4 Syntax: BDAT size [LAST]</c>.
    /// </summary>
    public static bool TryParseBdat(
        string argument,
        out long chunkSize,
        out bool last,
        [MaybeNullWhen(true)] out SmtpReply error)
    {
        ArgumentNullException.ThrowIfNull(argument);
        chunkSize = 0;
        last = false;
        ReadOnlySpan<char> text = argument.AsSpan().Trim(' ');
        int space = text.IndexOf(' ');
        ReadOnlySpan<char> sizeText = space < 0 ? text : text[..space];
        ReadOnlySpan<char> rest = space < 0 ? default : text[(space + 1)..].TrimStart(' ');
        bool valid = long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out chunkSize)
            && (rest.IsEmpty || rest.Equals("LAST", StringComparison.OrdinalIgnoreCase));
        if (!valid)
        {
            chunkSize = 0;
            error = Replies.BdatSyntax;
            return false;
        }

        last = !rest.IsEmpty;
        error = null;
        return true;
    }

    /// <summary>Splits <c>PREFIX:&lt;path&gt; parameters</c> into the path (without brackets) and the parameters.</summary>
    private static PathSyntax SplitPath(
        ReadOnlySpan<char> argument,
        string prefix,
        out ReadOnlySpan<char> path,
        out ReadOnlySpan<char> parameters)
    {
        path = default;
        parameters = default;
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return PathSyntax.BadCommandSyntax;
        }

        ReadOnlySpan<char> rest = argument[prefix.Length..].TrimStart(' ');
        if (rest.IsEmpty || rest[0] != '<')
        {
            return PathSyntax.BadCommandSyntax;
        }

        int close = FindClosingBracket(rest);
        if (close < 0)
        {
            return PathSyntax.BadAddress;
        }

        path = rest[1..close];
        parameters = rest[(close + 1)..];
        if (!parameters.IsEmpty && parameters[0] != ' ')
        {
            return PathSyntax.BadCommandSyntax;
        }

        return PathSyntax.Valid;
    }

    /// <summary>Index of the '&gt;' that closes the path, skipping quoted strings, or -1.</summary>
    private static int FindClosingBracket(ReadOnlySpan<char> text)
    {
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '>')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Removes an RFC 5321 A-d-l <c>@a,@b:</c> in front of the mailbox after checking each domain.</summary>
    private static bool TryStripSourceRoute(ref ReadOnlySpan<char> path)
    {
        if (path[0] != '@')
        {
            return true;
        }

        // The colon ending the route is the first one outside an address literal ("@[IPv6:::1]:").
        int colon = -1;
        bool inLiteral = false;
        for (int i = 0; i < path.Length && colon < 0; i++)
        {
            switch (path[i])
            {
                case '[':
                    inLiteral = true;
                    break;
                case ']':
                    inLiteral = false;
                    break;
                case ':' when !inLiteral:
                    colon = i;
                    break;
            }
        }

        if (colon < 0)
        {
            return false;
        }

        ReadOnlySpan<char> route = path[..colon];
        foreach (Range hop in route.Split(','))
        {
            ReadOnlySpan<char> atDomain = route[hop];
            if (atDomain.Length < 2 || atDomain[0] != '@' || !Mailbox.IsValidDomain(atDomain[1..]))
            {
                return false;
            }
        }

        path = path[(colon + 1)..];
        return !path.IsEmpty;
    }

    /// <summary>Takes the next space-separated <c>keyword[=value]</c> from the parameter list.</summary>
    private static bool NextParameter(
        ref ReadOnlySpan<char> parameters,
        out ReadOnlySpan<char> parameter,
        out ReadOnlySpan<char> keyword,
        out ReadOnlySpan<char> value,
        out bool hasValue)
    {
        parameters = parameters.TrimStart(' ');
        int end = parameters.IndexOf(' ');
        parameter = end < 0 ? parameters : parameters[..end];
        parameters = end < 0 ? default : parameters[end..];
        int equals = parameter.IndexOf('=');
        hasValue = equals >= 0;
        keyword = hasValue ? parameter[..equals] : parameter;
        value = hasValue ? parameter[(equals + 1)..] : default;
        return !parameter.IsEmpty;
    }

    private static MailParameters Classify(ReadOnlySpan<char> keyword) =>
        keyword.Equals("SIZE", StringComparison.OrdinalIgnoreCase) ? MailParameters.Size
        : keyword.Equals("BODY", StringComparison.OrdinalIgnoreCase) ? MailParameters.Body
        : keyword.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase) ? MailParameters.SmtpUtf8
        : keyword.Equals("RET", StringComparison.OrdinalIgnoreCase) ? MailParameters.Ret
        : keyword.Equals("ENVID", StringComparison.OrdinalIgnoreCase) ? MailParameters.EnvId
        : keyword.Equals("AUTH", StringComparison.OrdinalIgnoreCase) ? MailParameters.Auth
        : MailParameters.None;

    private static SmtpReply? TryParseSize(ReadOnlySpan<char> value, bool hasValue, out long? size)
    {
        size = null;
        if (!hasValue || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
        {
            return Replies.BadSizeSyntax;
        }

        size = parsed;
        return null;
    }

    private static SmtpReply? TryParseBody(ReadOnlySpan<char> value, bool hasValue, out BodyType body)
    {
        body = BodyType.SevenBit;
        if (hasValue && value.Equals("7BIT", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (hasValue && value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase))
        {
            body = BodyType.EightBitMime;
            return null;
        }

        if (hasValue && value.Equals("BINARYMIME", StringComparison.OrdinalIgnoreCase))
        {
            body = BodyType.BinaryMime;
            return null;
        }

        return Replies.BadBodySyntax;
    }

    private static SmtpReply? TryParseRet(ReadOnlySpan<char> value, bool hasValue, out DsnReturn ret)
    {
        ret = !hasValue ? DsnReturn.Unspecified
            : value.Equals("FULL", StringComparison.OrdinalIgnoreCase) ? DsnReturn.Full
            : value.Equals("HDRS", StringComparison.OrdinalIgnoreCase) ? DsnReturn.Headers
            : DsnReturn.Unspecified;
        return ret == DsnReturn.Unspecified ? Replies.BadRetSyntax : null;
    }

    private static SmtpReply? TryParseEnvId(ReadOnlySpan<char> value, bool hasValue, out string? envId)
    {
        envId = null;
        if (!hasValue || value.IsEmpty || !Xtext.TryDecode(value, out string? decoded)
            || decoded.Length > SmtpLimits.EnvelopeIdLength || HasControlCharacter(decoded))
        {
            return Replies.BadEnvIdSyntax;
        }

        envId = decoded;
        return null;
    }

    private static SmtpReply? TryParseNotify(ReadOnlySpan<char> value, bool hasValue, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (!hasValue || value.IsEmpty)
        {
            return Replies.BadNotifySyntax;
        }

        foreach (Range item in value.Split(','))
        {
            ReadOnlySpan<char> word = value[item];
            DsnNotify flag =
                word.Equals("NEVER", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Never
                : word.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Success
                : word.Equals("FAILURE", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Failure
                : word.Equals("DELAY", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Delay
                : DsnNotify.Unspecified;
            if (flag == DsnNotify.Unspecified)
            {
                notify = DsnNotify.Unspecified;
                return Replies.BadNotifySyntax;
            }

            notify |= flag;
        }

        // RFC 3461 section 4.1: NEVER stands alone.
        if ((notify & DsnNotify.Never) != 0 && notify != DsnNotify.Never)
        {
            notify = DsnNotify.Unspecified;
            return Replies.BadNotifySyntax;
        }

        return null;
    }

    private static SmtpReply? TryParseOriginalRecipient(ReadOnlySpan<char> value, bool hasValue, out string? originalRecipient)
    {
        originalRecipient = null;
        int semicolon = value.IndexOf(';');
        if (!hasValue || semicolon <= 0 || value.Length > SmtpLimits.OriginalRecipientLength)
        {
            return Replies.BadOrcptSyntax;
        }

        ReadOnlySpan<char> addressType = value[..semicolon];
        foreach (char c in addressType)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return Replies.BadOrcptSyntax;
            }
        }

        if (!Xtext.TryDecode(value[(semicolon + 1)..], out string? address) || address.Length == 0 || HasControlCharacter(address))
        {
            return Replies.BadOrcptSyntax;
        }

        originalRecipient = string.Concat(addressType, ";", address);
        return null;
    }

    // Decoded xtext may hold CR or LF; such values later land in DSN headers, so they are refused.
    private static bool HasControlCharacter(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
