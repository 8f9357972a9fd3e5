using System.Text.RegularExpressions;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// The queue's line for each delivery attempt of a recipient, as a server logs it:
/// <c>to=&lt;rcpt&gt;, relay=..., delay=..., dsn=..., status=... (detail)</c>, with the groups
/// <c>dsn</c>, <c>status</c> and <c>detail</c>.
/// </summary>
internal static class DeliveryLog
{
    /// <summary>How long a test waits for a server to log an attempt.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Every attempt logged so far for <paramref name="recipient"/>, oldest first.</summary>
    public static IReadOnlyList<Match> Attempts(MtaServerProcess server, string recipient) =>
        LineFor(recipient).Matches(server.Output);

    /// <summary>Waits (bounded) for the first attempt logged for <paramref name="recipient"/>.</summary>
    public static Task<Match> WaitForFirstAsync(MtaServerProcess server, string recipient)
    {
        var line = LineFor(recipient);
        return Poll.UntilAsync(() => line.Match(server.Output), match => match.Success, Timeout,
            _ => $"the server has not logged {recipient}:\n{server.Output}");
    }

    private static Regex LineFor(string recipient) =>
        new($@"to=<{Regex.Escape(recipient)}>, relay=[^,]+, delay=[^,]+, dsn=(?<dsn>[^,]+), status=(?<status>\w+) \((?<detail>.*)\)\s*$", RegexOptions.Multiline);
}
