namespace Mta.Core.Local;

/// <summary>One recipient's copy of a queued message, to be written into a local Maildir.</summary>
/// <param name="QueueId">The queue id of the message; with <paramref name="RecipientIndex"/> it names the file.</param>
/// <param name="RecipientIndex">The recipient's position in the envelope (0-based).</param>
/// <param name="Domain">The recipient domain (a local destination).</param>
/// <param name="LocalPart">The recipient local part as the address grammar keeps it, quotes included.</param>
/// <param name="ReturnPath">The envelope sender without angle brackets; empty for the null sender.</param>
/// <param name="DeliveredTo">The recipient address written into <c>Delivered-To:</c>.</param>
/// <param name="OpenBody">Opens the stored message (headers and body, as received) for reading; the
/// stream is disposed after the copy. Called at most once per delivery.</param>
/// <param name="CheckExisting">Also treat a file already moved into <c>cur/</c> by a mail reader as
/// delivered (set it when replaying after a crash).</param>
public sealed record MaildirDelivery(
    string QueueId,
    int RecipientIndex,
    string Domain,
    string LocalPart,
    string ReturnPath,
    string DeliveredTo,
    Func<Stream> OpenBody,
    bool CheckExisting);
