namespace Mta.Sink;

/// <summary>How the sink answers one message's final ".".</summary>
internal enum MessageOutcome
{
    Accepted,
    Deferred,
    Rejected,
}

/// <summary>Chooses the answer to each message from the configured shares of 5xx and 4xx replies.</summary>
internal sealed class OutcomePolicy
{
    private readonly double rejectRate;
    private readonly double deferOrRejectRate;

    /// <param name="deferRate">Share of messages answered 451, 0 to 1.</param>
    /// <param name="rejectRate">Share of messages answered 554, 0 to 1; with deferRate at most 1.</param>
    public OutcomePolicy(double deferRate, double rejectRate)
    {
        if (deferRate is < 0 or > 1 || rejectRate is < 0 or > 1 || deferRate + rejectRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(deferRate), "Rates must be between 0 and 1 and add up to at most 1.");
        }

        this.rejectRate = rejectRate;
        deferOrRejectRate = deferRate + rejectRate;
    }

    /// <summary>True when every message is accepted, so no random number is needed.</summary>
    public bool AcceptsAll => deferOrRejectRate == 0;

    /// <summary>The outcome for a uniform random draw in [0, 1): the lowest part rejects, the next defers.</summary>
    public MessageOutcome Decide(double uniform) =>
        uniform < rejectRate ? MessageOutcome.Rejected
        : uniform < deferOrRejectRate ? MessageOutcome.Deferred
        : MessageOutcome.Accepted;
}
