namespace Mta.Protocol.Tests;

public sealed class SmtpCommandTableTests
{
    // One row per verb, one cell per state (Connected, Greeted, Mail, Rcpt):
    // "-> State" when allowed with the state after success, "! ReplyName" when refused with that canned reply.
    private static readonly (SmtpVerb Verb, string[] Cells)[] ExpectedMatrix =
    [
        (SmtpVerb.Helo, ["-> Greeted", "-> Greeted", "-> Greeted", "-> Greeted"]),
        (SmtpVerb.Ehlo, ["-> Greeted", "-> Greeted", "-> Greeted", "-> Greeted"]),
        (SmtpVerb.Mail, ["-> Mail", "-> Mail", "! NestedMail", "! NestedMail"]),
        (SmtpVerb.Rcpt, ["! NeedMailCommand", "! NeedMailCommand", "-> Rcpt", "-> Rcpt"]),
        (SmtpVerb.Data, ["! NeedRcptCommand", "! NeedRcptCommand", "! NoValidRecipients", "-> Greeted"]),
        (SmtpVerb.Bdat, ["! NeedRcptCommand", "! NeedRcptCommand", "! NoValidRecipients", "-> Rcpt"]),
        (SmtpVerb.Rset, ["-> Connected", "-> Greeted", "-> Greeted", "-> Greeted"]),
        (SmtpVerb.Noop, ["-> Connected", "-> Greeted", "-> Mail", "-> Rcpt"]),
        (SmtpVerb.Quit, ["-> Connected", "-> Greeted", "-> Mail", "-> Rcpt"]),
        (SmtpVerb.Vrfy, ["-> Connected", "-> Greeted", "-> Mail", "-> Rcpt"]),
        (SmtpVerb.Expn, ["-> Connected", "-> Greeted", "-> Mail", "-> Rcpt"]),
        (SmtpVerb.Help, ["-> Connected", "-> Greeted", "-> Mail", "-> Rcpt"]),
        (SmtpVerb.StartTls, ["-> Connected", "-> Connected", "! MailTransactionInProgress", "! MailTransactionInProgress"]),
        (SmtpVerb.Auth, ["! NeedHelo", "-> Greeted", "! MailTransactionInProgress", "! MailTransactionInProgress"]),
        (SmtpVerb.Unknown, ["! UnknownCommand", "! UnknownCommand", "! UnknownCommand", "! UnknownCommand"]),
    ];

    private static readonly SmtpState[] States = [SmtpState.Connected, SmtpState.Greeted, SmtpState.Mail, SmtpState.Rcpt];

    public static TheoryData<SmtpState, SmtpVerb, string> Matrix()
    {
        var data = new TheoryData<SmtpState, SmtpVerb, string>();
        foreach ((SmtpVerb verb, string[] cells) in ExpectedMatrix)
        {
            for (int state = 0; state < States.Length; state++)
            {
                data.Add(States[state], verb, cells[state]);
            }
        }

        return data;
    }

    [Fact]
    public void Expected_matrix_should_cover_every_state_and_verb()
    {
        Assert.Equal(Enum.GetValues<SmtpState>(), States);
        Assert.Equal(Enum.GetValues<SmtpVerb>().Order(), ExpectedMatrix.Select(row => row.Verb).Order());
        Assert.All(ExpectedMatrix, row => Assert.Equal(States.Length, row.Cells.Length));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Rule_should_match_the_expected_matrix(SmtpState state, SmtpVerb verb, string cell)
    {
        CommandRule rule = SmtpCommandTable.Lookup(state, verb);

        if (cell.StartsWith("-> ", StringComparison.Ordinal))
        {
            Assert.True(rule.Allowed);
            Assert.Null(rule.Rejection);
            Assert.Equal(Enum.Parse<SmtpState>(cell[3..]), rule.NextState);
        }
        else
        {
            Assert.False(rule.Allowed);
            Assert.Same(SmtpReplyTests.Canned(cell[2..]), rule.Rejection);
            Assert.Equal(state, rule.NextState);
        }
    }

    [Theory]
    [InlineData(SmtpVerb.Helo, CommandFlags.AllowedBeforeTls | CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.Ehlo, CommandFlags.AllowedBeforeTls | CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.StartTls, CommandFlags.AllowedBeforeTls | CommandFlags.EndsPipelineGroup | CommandFlags.ChangesMode)]
    [InlineData(SmtpVerb.Noop, CommandFlags.AllowedBeforeTls | CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.Help, CommandFlags.AllowedBeforeTls)]
    [InlineData(SmtpVerb.Quit, CommandFlags.AllowedBeforeTls | CommandFlags.EndsPipelineGroup | CommandFlags.ChangesMode)]
    [InlineData(SmtpVerb.Data, CommandFlags.EndsPipelineGroup | CommandFlags.ChangesMode)]
    [InlineData(SmtpVerb.Bdat, CommandFlags.ChangesMode)]
    [InlineData(SmtpVerb.Vrfy, CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.Expn, CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.Auth, CommandFlags.EndsPipelineGroup)]
    [InlineData(SmtpVerb.Mail, CommandFlags.None)]
    [InlineData(SmtpVerb.Rcpt, CommandFlags.None)]
    [InlineData(SmtpVerb.Rset, CommandFlags.None)]
    [InlineData(SmtpVerb.Unknown, CommandFlags.None)]
    public void Flags_should_belong_to_the_verb_in_every_state(SmtpVerb verb, CommandFlags flags)
    {
        Assert.All(States, state => Assert.Equal(flags, SmtpCommandTable.Lookup(state, verb).Flags));
    }
}
