namespace Mta.Protocol;

/// <summary>Outcome of <see cref="SmtpLineReader.TryReadLine"/>.</summary>
public enum LineReadStatus
{
    /// <summary>No complete line yet; the unconsumed bytes must be presented again with more data.</summary>
    NeedMoreData,

    /// <summary>A complete line was returned.</summary>
    Line,

    /// <summary>
    /// A line exceeded the limit. It is reported once; its remainder is consumed and never
    /// returned, even when it arrives in later calls.
    /// </summary>
    LineTooLong,
}
