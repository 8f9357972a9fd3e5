namespace Mta.Protocol;

/// <summary>What the command table says about one verb in one state.</summary>
/// <param name="Allowed">Whether the command may be processed in this state.</param>
/// <param name="Rejection">The reply when it may not; null when allowed.</param>
/// <param name="Flags">The verb's flags, the same in every state.</param>
public readonly record struct CommandRule(bool Allowed, SmtpReply? Rejection, CommandFlags Flags)
{
    /// <summary>
    /// The state once the command has succeeded; the current state when it is rejected. A failed but
    /// allowed command (a refused recipient, say) leaves the state unchanged. For DATA this is the state
    /// after the message has been received; a BDAT chunk without LAST stays in <see cref="SmtpState.Rcpt"/>,
    /// and BDAT LAST ends the transaction like DATA (<see cref="SmtpState.Greeted"/>).
    /// </summary>
    public SmtpState NextState { get; init; }
}
