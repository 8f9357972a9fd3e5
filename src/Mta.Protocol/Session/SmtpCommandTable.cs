namespace Mta.Protocol;

/// <summary>
/// Which command is allowed in which state, as data: one row per verb, one column per state, in the
/// manner of Postfix's <c>smtpd_cmd_table</c>. It answers sequencing only; whether a feature is offered
/// (STARTTLS without a certificate, AUTH, VRFY) is the caller's decision. As Postfix's default
/// <c>smtpd_helo_required = no</c>, MAIL is allowed before HELO/EHLO.
/// </summary>
public static class SmtpCommandTable
{
    private const CommandFlags PreTls = CommandFlags.AllowedBeforeTls;
    private const CommandFlags Last = CommandFlags.EndsPipelineGroup;
    private const CommandFlags Mode = CommandFlags.ChangesMode;

    private static readonly int StateCount = Enum.GetValues<SmtpState>().Length;
    private static readonly int VerbCount = Enum.GetValues<SmtpVerb>().Length;

    // Columns: Connected, Greeted, Mail, Rcpt. Each cell is the next state when allowed, or the rejection.
    private static readonly CommandRule[] Rules = Build(
        Row(SmtpVerb.Helo, PreTls | Last, Go(SmtpState.Greeted), Go(SmtpState.Greeted), Go(SmtpState.Greeted), Go(SmtpState.Greeted)),
        Row(SmtpVerb.Ehlo, PreTls | Last, Go(SmtpState.Greeted), Go(SmtpState.Greeted), Go(SmtpState.Greeted), Go(SmtpState.Greeted)),
        Row(SmtpVerb.StartTls, PreTls | Last | Mode, Go(SmtpState.Connected), Go(SmtpState.Connected), No(Replies.MailTransactionInProgress), No(Replies.MailTransactionInProgress)),
        Row(SmtpVerb.Auth, Last, No(Replies.NeedHelo), Stay, No(Replies.MailTransactionInProgress), No(Replies.MailTransactionInProgress)),
        Row(SmtpVerb.Mail, CommandFlags.None, Go(SmtpState.Mail), Go(SmtpState.Mail), No(Replies.NestedMail), No(Replies.NestedMail)),
        Row(SmtpVerb.Rcpt, CommandFlags.None, No(Replies.NeedMailCommand), No(Replies.NeedMailCommand), Go(SmtpState.Rcpt), Go(SmtpState.Rcpt)),
        Row(SmtpVerb.Data, Last | Mode, No(Replies.NeedRcptCommand), No(Replies.NeedRcptCommand), No(Replies.NoValidRecipients), Go(SmtpState.Greeted)),
        Row(SmtpVerb.Bdat, Mode, No(Replies.NeedRcptCommand), No(Replies.NeedRcptCommand), No(Replies.NoValidRecipients), Go(SmtpState.Rcpt)),
        Row(SmtpVerb.Rset, CommandFlags.None, Go(SmtpState.Connected), Go(SmtpState.Greeted), Go(SmtpState.Greeted), Go(SmtpState.Greeted)),
        Row(SmtpVerb.Noop, PreTls | Last, Stay, Stay, Stay, Stay),
        Row(SmtpVerb.Help, PreTls, Stay, Stay, Stay, Stay),
        Row(SmtpVerb.Vrfy, Last, Stay, Stay, Stay, Stay),
        Row(SmtpVerb.Expn, Last, Stay, Stay, Stay, Stay),
        Row(SmtpVerb.Quit, PreTls | Last | Mode, Stay, Stay, Stay, Stay),
        Row(SmtpVerb.Unknown, CommandFlags.None, No(Replies.UnknownCommand), No(Replies.UnknownCommand), No(Replies.UnknownCommand), No(Replies.UnknownCommand)));

    /// <summary>The rule for <paramref name="verb"/> in <paramref name="state"/>.</summary>
    public static CommandRule Lookup(SmtpState state, SmtpVerb verb) => Rules[Index(state, verb)];

    private static int Index(SmtpState state, SmtpVerb verb) => (int)state * VerbCount + (int)verb;

    private static Cell Stay => new(null, null);

    private static Cell Go(SmtpState next) => new(next, null);

    private static Cell No(SmtpReply rejection) => new(null, rejection);

    private static (SmtpVerb Verb, CommandFlags Flags, Cell[] Cells) Row(SmtpVerb verb, CommandFlags flags, params Cell[] cells) =>
        (verb, flags, cells);

    private static CommandRule[] Build(params (SmtpVerb Verb, CommandFlags Flags, Cell[] Cells)[] rows)
    {
        var rules = new CommandRule[StateCount * VerbCount];
        var defined = new bool[VerbCount];
        foreach ((SmtpVerb verb, CommandFlags flags, Cell[] cells) in rows)
        {
            if (cells.Length != StateCount || defined[(int)verb])
            {
                throw new InvalidOperationException($"The command table row for {verb} is malformed.");
            }

            defined[(int)verb] = true;
            for (int state = 0; state < StateCount; state++)
            {
                Cell cell = cells[state];
                rules[Index((SmtpState)state, verb)] = new CommandRule(cell.Rejection is null, cell.Rejection, flags)
                {
                    NextState = cell.Next ?? (SmtpState)state,
                };
            }
        }

        if (Array.IndexOf(defined, false) >= 0)
        {
            throw new InvalidOperationException("The command table lacks a row for some verb.");
        }

        return rules;
    }

    private readonly record struct Cell(SmtpState? Next, SmtpReply? Rejection);
}
