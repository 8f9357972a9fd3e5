namespace Mta.Protocol;

/// <summary>
/// One parsed command line: the verb and the text after it. When the line cannot be a command,
/// <see cref="Error"/> holds the reply to send and <see cref="Verb"/> is <see cref="SmtpVerb.Unknown"/>.
/// </summary>
public readonly struct SmtpCommand
{
    private readonly string? _argument;

    /// <summary>Creates a command.</summary>
    public SmtpCommand(SmtpVerb verb, string argument, SmtpReply? error = null)
    {
        Verb = verb;
        _argument = argument;
        Error = error;
    }

    /// <summary>The verb, or <see cref="SmtpVerb.Unknown"/>.</summary>
    public SmtpVerb Verb { get; }

    /// <summary>
    /// The text after the verb and the spaces that follow it, trailing spaces removed; empty when
    /// there is none. For MAIL and RCPT it starts with <c>FROM:</c> or <c>TO:</c>.
    /// </summary>
    public string Argument => _argument ?? string.Empty;

    /// <summary>The reply for a line that is not a command (NUL, invalid UTF-8, unknown verb); null otherwise.</summary>
    public SmtpReply? Error { get; }

    /// <summary>Whether the line is a recognised command.</summary>
    public bool IsValid => Error is null;

    /// <summary>The command as text, for logs.</summary>
    public override string ToString() => Argument.Length == 0 ? Verb.ToString() : $"{Verb} {Argument}";
}
