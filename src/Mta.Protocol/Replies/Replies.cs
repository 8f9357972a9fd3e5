namespace Mta.Protocol;

/// <summary>
/// The server's replies, worded as Postfix words them. Fixed replies are built and encoded once;
/// replies that embed a host name, address or id are built by the factory methods. Greeting, HELO
/// and EHLO replies carry no enhanced status code (RFC 2034 section 3); every other reply does.
/// </summary>
public static class Replies
{
    /// <summary>250 2.0.0 Ok (RSET, NOOP and other plain successes).</summary>
    public static readonly SmtpReply Ok = SmtpReply.Create(250, "2.0.0", "Ok");

    /// <summary>250 2.1.0 Ok (MAIL accepted).</summary>
    public static readonly SmtpReply SenderOk = SmtpReply.Create(250, "2.1.0", "Ok");

    /// <summary>250 2.1.5 Ok (RCPT accepted).</summary>
    public static readonly SmtpReply RecipientOk = SmtpReply.Create(250, "2.1.5", "Ok");

    /// <summary>354 End data with &lt;CR&gt;&lt;LF&gt;.&lt;CR&gt;&lt;LF&gt; (RFC 3463 has no class 3).</summary>
    public static readonly SmtpReply StartMailInput = SmtpReply.Create(354, null, "End data with <CR><LF>.<CR><LF>");

    /// <summary>221 2.0.0 Bye (QUIT).</summary>
    public static readonly SmtpReply Bye = SmtpReply.Create(221, "2.0.0", "Bye");

    /// <summary>252 2.0.0: VRFY is answered without disclosing whether the user exists.</summary>
    public static readonly SmtpReply VrfyCannot = SmtpReply.Create(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");

    /// <summary>214 2.0.0 with the list of commands (HELP).</summary>
    public static readonly SmtpReply Help = SmtpReply.Create(214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS HELP");

    /// <summary>220 2.0.0 Ready to start TLS.</summary>
    public static readonly SmtpReply ReadyToStartTls = SmtpReply.Create(220, "2.0.0", "Ready to start TLS");

    /// <summary>452 4.5.3 Error: too many recipients.</summary>
    public static readonly SmtpReply TooManyRecipients = SmtpReply.Create(452, "4.5.3", "Error: too many recipients");

    /// <summary>452 4.3.1 Insufficient system storage (MAIL when the spool is short of space).</summary>
    public static readonly SmtpReply InsufficientStorage = SmtpReply.Create(452, "4.3.1", "Insufficient system storage");

    /// <summary>451 4.3.0 Error: queue file write error (storing the message failed).</summary>
    public static readonly SmtpReply LocalErrorInProcessing = SmtpReply.Create(451, "4.3.0", "Error: queue file write error");

    /// <summary>454 4.7.0 TLS not available due to local problem.</summary>
    public static readonly SmtpReply TlsNotAvailable = SmtpReply.Create(454, "4.7.0", "TLS not available due to local problem");

    /// <summary>500 5.5.2 Error: bad syntax (an empty command line).</summary>
    public static readonly SmtpReply BadSyntax = SmtpReply.Create(500, "5.5.2", "Error: bad syntax");

    /// <summary>500 5.5.2 Error: bad UTF-8 syntax (a command line that is not UTF-8).</summary>
    public static readonly SmtpReply BadUtf8 = SmtpReply.Create(500, "5.5.2", "Error: bad UTF-8 syntax");

    /// <summary>500 5.5.2 Error: NUL character in command.</summary>
    public static readonly SmtpReply NulCharacter = SmtpReply.Create(500, "5.5.2", "Error: NUL character in command");

    /// <summary>500 5.5.2 Error: line too long.</summary>
    public static readonly SmtpReply LineTooLong = SmtpReply.Create(500, "5.5.2", "Error: line too long");

    /// <summary>501 5.5.4 Syntax: HELO hostname.</summary>
    public static readonly SmtpReply HeloSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: HELO hostname");

    /// <summary>501 5.5.4 Syntax: EHLO hostname.</summary>
    public static readonly SmtpReply EhloSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: EHLO hostname");

    /// <summary>501 5.5.4 Syntax: MAIL FROM:&lt;address&gt;.</summary>
    public static readonly SmtpReply MailSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: MAIL FROM:<address>");

    /// <summary>501 5.5.4 Syntax: RCPT TO:&lt;address&gt;.</summary>
    public static readonly SmtpReply RcptSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: RCPT TO:<address>");

    /// <summary>501 5.5.4 Syntax: DATA (DATA with an argument).</summary>
    public static readonly SmtpReply DataSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: DATA");

    /// <summary>501 5.5.4 Syntax: BDAT size [LAST].</summary>
    public static readonly SmtpReply BdatSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: BDAT size [LAST]");

    /// <summary>501 5.5.4 Syntax: RSET (RSET with an argument).</summary>
    public static readonly SmtpReply RsetSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: RSET");

    /// <summary>501 5.5.4 Syntax: NOOP (NOOP with an argument, as Postfix replies).</summary>
    public static readonly SmtpReply NoopSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: NOOP");

    /// <summary>501 5.5.4 Syntax: VRFY address.</summary>
    public static readonly SmtpReply VrfySyntax = SmtpReply.Create(501, "5.5.4", "Syntax: VRFY address");

    /// <summary>501 5.5.4 Syntax: STARTTLS (STARTTLS with an argument).</summary>
    public static readonly SmtpReply StartTlsSyntax = SmtpReply.Create(501, "5.5.4", "Syntax: STARTTLS");

    /// <summary>501 5.1.7 Bad sender address syntax.</summary>
    public static readonly SmtpReply BadSenderAddress = SmtpReply.Create(501, "5.1.7", "Bad sender address syntax");

    /// <summary>501 5.1.3 Bad recipient address syntax.</summary>
    public static readonly SmtpReply BadRecipientAddress = SmtpReply.Create(501, "5.1.3", "Bad recipient address syntax");

    /// <summary>501 5.5.4 Bad message size syntax (SIZE=).</summary>
    public static readonly SmtpReply BadSizeSyntax = SmtpReply.Create(501, "5.5.4", "Bad message size syntax");

    /// <summary>501 5.5.4 Bad BODY parameter syntax.</summary>
    public static readonly SmtpReply BadBodySyntax = SmtpReply.Create(501, "5.5.4", "Bad BODY parameter syntax");

    /// <summary>501 5.5.4 Bad SMTPUTF8 parameter syntax (SMTPUTF8 takes no value).</summary>
    public static readonly SmtpReply BadSmtpUtf8Syntax = SmtpReply.Create(501, "5.5.4", "Bad SMTPUTF8 parameter syntax");

    /// <summary>501 5.5.4 Bad RET parameter syntax.</summary>
    public static readonly SmtpReply BadRetSyntax = SmtpReply.Create(501, "5.5.4", "Bad RET parameter syntax");

    /// <summary>501 5.5.4 Bad ENVID parameter syntax.</summary>
    public static readonly SmtpReply BadEnvIdSyntax = SmtpReply.Create(501, "5.5.4", "Bad ENVID parameter syntax");

    /// <summary>501 5.5.4 Bad AUTH parameter syntax (AUTH= without a value).</summary>
    public static readonly SmtpReply BadAuthSyntax = SmtpReply.Create(501, "5.5.4", "Bad AUTH parameter syntax");

    /// <summary>501 5.5.4 Error: Bad NOTIFY parameter syntax.</summary>
    public static readonly SmtpReply BadNotifySyntax = SmtpReply.Create(501, "5.5.4", "Error: Bad NOTIFY parameter syntax");

    /// <summary>501 5.5.4 Error: Bad ORCPT parameter syntax.</summary>
    public static readonly SmtpReply BadOrcptSyntax = SmtpReply.Create(501, "5.5.4", "Error: Bad ORCPT parameter syntax");

    /// <summary>502 5.5.2 Error: command not recognized.</summary>
    public static readonly SmtpReply UnknownCommand = SmtpReply.Create(502, "5.5.2", "Error: command not recognized");

    /// <summary>502 5.5.1 Error: command not implemented (a known command that is not offered, such as STARTTLS without TLS).</summary>
    public static readonly SmtpReply NotImplemented = SmtpReply.Create(502, "5.5.1", "Error: command not implemented");

    /// <summary>502 5.5.1 VRFY command is disabled.</summary>
    public static readonly SmtpReply VrfyDisabled = SmtpReply.Create(502, "5.5.1", "VRFY command is disabled");

    /// <summary>503 5.5.1 Error: bad sequence of commands.</summary>
    public static readonly SmtpReply BadSequence = SmtpReply.Create(503, "5.5.1", "Error: bad sequence of commands");

    /// <summary>503 5.5.1 Error: need MAIL command (RCPT outside a transaction).</summary>
    public static readonly SmtpReply NeedMailCommand = SmtpReply.Create(503, "5.5.1", "Error: need MAIL command");

    /// <summary>503 5.5.1 Error: need RCPT command (DATA or BDAT outside a transaction).</summary>
    public static readonly SmtpReply NeedRcptCommand = SmtpReply.Create(503, "5.5.1", "Error: need RCPT command");

    /// <summary>554 5.5.1 Error: no valid recipients (DATA or BDAT in a transaction without an accepted recipient).</summary>
    public static readonly SmtpReply NoValidRecipients = SmtpReply.Create(554, "5.5.1", "Error: no valid recipients");

    /// <summary>503 5.5.1 Error: nested MAIL command.</summary>
    public static readonly SmtpReply NestedMail = SmtpReply.Create(503, "5.5.1", "Error: nested MAIL command");

    /// <summary>503 5.5.1 Error: send HELO/EHLO first.</summary>
    public static readonly SmtpReply NeedHelo = SmtpReply.Create(503, "5.5.1", "Error: send HELO/EHLO first");

    /// <summary>503 5.5.1 Error: MAIL transaction in progress (STARTTLS or AUTH inside a transaction).</summary>
    public static readonly SmtpReply MailTransactionInProgress = SmtpReply.Create(503, "5.5.1", "Error: MAIL transaction in progress");

    /// <summary>503 5.5.1 Error: authentication not enabled.</summary>
    public static readonly SmtpReply AuthNotEnabled = SmtpReply.Create(503, "5.5.1", "Error: authentication not enabled");

    /// <summary>503 5.5.1 Error: MAIL after BDAT (a BDAT transfer is unfinished).</summary>
    public static readonly SmtpReply MailAfterBdat = SmtpReply.Create(503, "5.5.1", "Error: MAIL after BDAT");

    /// <summary>503 5.5.1 Error: RCPT after BDAT (a BDAT transfer is unfinished).</summary>
    public static readonly SmtpReply RcptAfterBdat = SmtpReply.Create(503, "5.5.1", "Error: RCPT after BDAT");

    /// <summary>503 5.5.1 Error: DATA after BDAT (a BDAT transfer is unfinished).</summary>
    public static readonly SmtpReply DataAfterBdat = SmtpReply.Create(503, "5.5.1", "Error: DATA after BDAT");

    /// <summary>551 5.7.1 Null BDAT request (BDAT 0 without LAST).</summary>
    public static readonly SmtpReply NullBdat = SmtpReply.Create(551, "5.7.1", "Null BDAT request");

    /// <summary>552 5.3.4 Error: message file too big.</summary>
    public static readonly SmtpReply MessageTooBig = SmtpReply.Create(552, "5.3.4", "Error: message file too big");

    /// <summary>552 5.3.4 Message size exceeds fixed limit (MAIL with a SIZE above the limit).</summary>
    public static readonly SmtpReply MessageSizeExceedsLimit = SmtpReply.Create(552, "5.3.4", "Message size exceeds fixed limit");

    /// <summary>552 5.3.4 Chunk exceeds message size limit (BDAT).</summary>
    public static readonly SmtpReply ChunkExceedsLimit = SmtpReply.Create(552, "5.3.4", "Chunk exceeds message size limit");

    /// <summary>553 5.6.7 Must declare SMTPUTF8 to send unicode address.</summary>
    public static readonly SmtpReply Utf8NotEnabled = SmtpReply.Create(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address");

    /// <summary>554 5.4.0 Error: too many hops (Received header limit).</summary>
    public static readonly SmtpReply TooManyHops = SmtpReply.Create(554, "5.4.0", "Error: too many hops");

    /// <summary>554 5.5.0 Error: SMTP protocol synchronization (a client talking before its turn).</summary>
    public static readonly SmtpReply PipeliningViolation = SmtpReply.Create(554, "5.5.0", "Error: SMTP protocol synchronization");

    /// <summary>554 5.5.1 Error: TLS already active.</summary>
    public static readonly SmtpReply TlsAlreadyActive = SmtpReply.Create(554, "5.5.1", "Error: TLS already active");

    /// <summary>530 5.7.0 Must issue a STARTTLS command first.</summary>
    public static readonly SmtpReply MustStartTlsFirst = SmtpReply.Create(530, "5.7.0", "Must issue a STARTTLS command first");

    /// <summary>220 &lt;host&gt; ESMTP Mta: the greeting on connect.</summary>
    public static SmtpReply Greeting(string hostname) =>
        SmtpReply.Create(220, null, $"{Printable(hostname)} ESMTP Mta");

    /// <summary>250 &lt;host&gt;: the reply to HELO.</summary>
    public static SmtpReply Helo(string hostname) =>
        SmtpReply.Create(250, null, Printable(hostname));

    /// <summary>
    /// The reply to EHLO: <c>250-&lt;host&gt; Hello &lt;client&gt;</c>, then one line per extension,
    /// the last with <c>250 </c>.
    /// </summary>
    /// <param name="hostname">Our host name.</param>
    /// <param name="clientGreetingName">The name the client gave; control characters are replaced.</param>
    /// <param name="extensions">Extension lines such as <c>PIPELINING</c> or <c>SIZE 10240000</c> (see <see cref="SmtpExtensions"/>).</param>
    public static SmtpReply Ehlo(string hostname, string clientGreetingName, IReadOnlyList<string> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var lines = new string[extensions.Count + 1];
        lines[0] = string.IsNullOrEmpty(clientGreetingName)
            ? Printable(hostname)
            : $"{Printable(hostname)} Hello {Printable(clientGreetingName)}";
        for (int i = 0; i < extensions.Count; i++)
        {
            lines[i + 1] = extensions[i];
        }

        return SmtpReply.Multiline(250, null, lines);
    }

    /// <summary>250 2.0.0 Ok: queued as &lt;id&gt; (end of DATA).</summary>
    public static SmtpReply Queued(string queueId) =>
        SmtpReply.Create(250, "2.0.0", $"Ok: queued as {Printable(queueId)}");

    /// <summary>250 2.0.0 Ok: &lt;n&gt; bytes (a BDAT chunk accepted).</summary>
    public static SmtpReply BdatChunkOk(long octets) =>
        SmtpReply.Create(250, "2.0.0", $"Ok: {octets} bytes");

    /// <summary>250 2.0.0 Ok: &lt;n&gt; bytes queued as &lt;id&gt; (BDAT LAST).</summary>
    public static SmtpReply BdatQueued(long octets, string queueId) =>
        SmtpReply.Create(250, "2.0.0", $"Ok: {octets} bytes queued as {Printable(queueId)}");

    /// <summary>555 5.5.4 Unsupported option: &lt;parameter&gt; (an unknown MAIL or RCPT parameter).</summary>
    public static SmtpReply UnsupportedOption(string parameter) =>
        SmtpReply.Create(555, "5.5.4", $"Unsupported option: {Printable(parameter)}");

    /// <summary>501 5.5.4 Duplicate &lt;keyword&gt; parameter.</summary>
    public static SmtpReply DuplicateParameter(string keyword) =>
        SmtpReply.Create(501, "5.5.4", $"Duplicate {Printable(keyword)} parameter");

    /// <summary>554 5.7.1 &lt;rcpt&gt;: Relay access denied.</summary>
    public static SmtpReply RelayDenied(string recipient) =>
        SmtpReply.Create(554, "5.7.1", $"<{Printable(recipient)}>: Relay access denied");

    /// <summary>550 5.1.1 &lt;rcpt&gt;: Recipient address rejected: User unknown in local recipient table.</summary>
    public static SmtpReply UnknownLocalUser(string recipient) =>
        SmtpReply.Create(550, "5.1.1", $"<{Printable(recipient)}>: Recipient address rejected: User unknown in local recipient table");

    /// <summary>421 4.4.2 &lt;host&gt; Error: timeout exceeded.</summary>
    public static SmtpReply TimeoutFor(string hostname) =>
        SmtpReply.Create(421, "4.4.2", $"{Printable(hostname)} Error: timeout exceeded");

    /// <summary>421 4.3.2 &lt;host&gt; Service not available, closing transmission channel (shutting down).</summary>
    public static SmtpReply ServiceNotAvailable(string hostname) =>
        SmtpReply.Create(421, "4.3.2", $"{Printable(hostname)} Service not available, closing transmission channel");

    /// <summary>421 4.7.0 &lt;host&gt; Error: too many errors.</summary>
    public static SmtpReply TooManyErrors(string hostname) =>
        SmtpReply.Create(421, "4.7.0", $"{Printable(hostname)} Error: too many errors");

    /// <summary>421 4.7.0 &lt;host&gt; Error: too many connections[ from &lt;client&gt;].</summary>
    public static SmtpReply TooManyConnections(string hostname, string? clientAddress = null) =>
        SmtpReply.Create(421, "4.7.0", clientAddress is null
            ? $"{Printable(hostname)} Error: too many connections"
            : $"{Printable(hostname)} Error: too many connections from {Printable(clientAddress)}");

    /// <summary>421 4.7.1 &lt;host&gt; Error: No client certificate presented (req-ccert).</summary>
    public static SmtpReply NoClientCertificate(string hostname) =>
        SmtpReply.Create(421, "4.7.1", $"{Printable(hostname)} Error: No client certificate presented");

    /// <summary>421 4.7.1 &lt;host&gt; Error: Client certificate not trusted (req-ccert).</summary>
    public static SmtpReply ClientCertificateNotTrusted(string hostname) =>
        SmtpReply.Create(421, "4.7.1", $"{Printable(hostname)} Error: Client certificate not trusted");

    /// <summary>
    /// Replaces control characters in text that may come from the peer, so a reply cannot be split
    /// or garbled by what it quotes.
    /// </summary>
    private static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f', StringComparison.Ordinal))
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is < ' ' or '\x7f' ? '?' : source[i];
            }
        });
    }
}
