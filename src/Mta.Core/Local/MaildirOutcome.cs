namespace Mta.Core.Local;

/// <summary>How a Maildir delivery ended.</summary>
public enum MaildirOutcome
{
    /// <summary>The message was written and its name made durable in <c>new/</c>.</summary>
    Delivered,

    /// <summary>A file with this delivery's name already exists; nothing was written.</summary>
    AlreadyDelivered,

    /// <summary>Nothing was delivered; see <see cref="MaildirResult.Error"/> and <see cref="MaildirResult.IsTransient"/>.</summary>
    Failed,
}
