namespace Mta.Tls.Policy;

/// <summary>The outcome of one TLS step of a delivery.</summary>
/// <param name="Action">What to do next.</param>
/// <param name="Dsn">The RFC 3463 status for <see cref="TlsAction.SkipHost"/> and <see cref="TlsAction.Defer"/> (such as <c>4.7.4</c>), otherwise null.</param>
/// <param name="Reason">The reason recorded for the recipients, worded as Postfix words it, for <see cref="TlsAction.SkipHost"/> and <see cref="TlsAction.Defer"/>; otherwise null.</param>
/// <param name="LogDetail">More detail for the log only (never sent to the sender), or null.</param>
public sealed record StartTlsDecision(TlsAction Action, string? Dsn = null, string? Reason = null, string? LogDetail = null)
{
    /// <summary>True when the step failed: the host is skipped or the mail deferred.</summary>
    public bool IsFailure => Action is TlsAction.SkipHost or TlsAction.Defer;

    /// <inheritdoc />
    public override string ToString()
    {
        string text = IsFailure ? $"{Action}: {Dsn} {Reason}" : Action.ToString();
        return LogDetail is null ? text : $"{text} ({LogDetail})";
    }
}
