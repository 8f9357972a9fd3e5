using System.Globalization;
using System.Text;
using Mta.Core.Queue;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Admin;

/// <summary>
/// The text <c>mta queue list</c> and <c>mta queue show</c> print. The listing follows Postfix's
/// <c>postqueue -p</c>: a header, one block per message (queue id, with <c>!</c> when held, size,
/// arrival, sender), its recipients below the sender with their delivery state and the last error
/// in parentheses, and a total line. Times are UTC. Pure.
/// </summary>
public static class QueueListingFormat
{
    /// <summary>Marks a held message after its queue id, as postqueue does.</summary>
    public const char HeldMark = '!';

    /// <summary>What an empty queue prints, as postqueue words it.</summary>
    public const string EmptyQueue = "Mail queue is empty";

    private const string Header = "-Queue ID-     --Size-- ----Arrival Time---- -Sender/Recipient-------";
    private const int QueueIdWidth = 14;
    private const int SizeWidth = 8;
    private static readonly string RecipientIndent = new(' ', QueueIdWidth + 1 + SizeWidth + 1 + 20 + 1);

    /// <summary>The listing of every message in <paramref name="messages"/>.</summary>
    public static string List(IReadOnlyList<MessageView> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) return EmptyQueue + "\n";
        var text = new StringBuilder(Header).Append('\n');
        foreach (MessageView message in messages)
        {
            string id = message.Held ? message.QueueId + HeldMark : message.QueueId;
            text.Append(CultureInfo.InvariantCulture, $"{id,-QueueIdWidth} {message.Size,SizeWidth} {Time(message.Arrival)} {Sender(message.Sender)}\n");
            foreach (RecipientView recipient in message.Recipients)
            {
                text.Append(RecipientIndent).Append(recipient.Address).Append("  ").Append(State(recipient)).Append('\n');
                if (recipient.LastError is { Length: > 0 } error)
                    text.Append(RecipientIndent).Append('(').Append(error).Append(")\n");
            }

            text.Append('\n');
        }

        long kilobytes = (messages.Sum(message => message.Size) + 1023) / 1024;
        text.Append(CultureInfo.InvariantCulture, $"-- {kilobytes} Kbytes in {messages.Count} Request{(messages.Count == 1 ? "" : "s")}.\n");
        return text.ToString();
    }

    /// <summary>Every field of one message, one per line.</summary>
    public static string Show(MessageView message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"queue id:     {message.QueueId}\n");
        text.Append(CultureInfo.InvariantCulture, $"size:         {message.Size} bytes\n");
        text.Append(CultureInfo.InvariantCulture, $"arrival:      {Time(message.Arrival)}\n");
        text.Append(CultureInfo.InvariantCulture, $"sender:       {Sender(message.Sender)}\n");
        text.Append(CultureInfo.InvariantCulture, $"held:         {(message.Held ? "yes" : "no")}\n");
        foreach (RecipientView recipient in message.Recipients)
        {
            text.Append(CultureInfo.InvariantCulture, $"recipient:    {recipient.Address}\n");
            text.Append(CultureInfo.InvariantCulture, $"  status:       {StatusWord(recipient.Status)}\n");
            text.Append(CultureInfo.InvariantCulture, $"  attempts:     {recipient.Attempts}\n");
            text.Append(CultureInfo.InvariantCulture, $"  next attempt: {(recipient.NextAttempt is { } next ? Time(next) : "-")}\n");
            text.Append(CultureInfo.InvariantCulture, $"  last error:   {(recipient.LastError is { Length: > 0 } error ? error : "-")}\n");
        }

        return text.ToString();
    }

    private static string State(RecipientView recipient)
    {
        var state = new StringBuilder(StatusWord(recipient.Status));
        state.Append(CultureInfo.InvariantCulture, $", {recipient.Attempts} attempt{(recipient.Attempts == 1 ? "" : "s")}");
        if (recipient.NextAttempt is { } next) state.Append(", next attempt ").Append(Time(next));
        return state.ToString();
    }

    private static string StatusWord(RecipientStatus status) => status switch
    {
        RecipientStatus.Pending => "pending",
        RecipientStatus.Delivered => "delivered",
        RecipientStatus.Relayed => "relayed",
        RecipientStatus.Deferred => "deferred",
        RecipientStatus.Bounced => "bounced",
        _ => status.ToString().ToLowerInvariant(),
    };

    // The null sender of bounces, named as Postfix names it.
    private static string Sender(string sender) => sender.Length == 0 ? "MAILER-DAEMON" : sender;

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
