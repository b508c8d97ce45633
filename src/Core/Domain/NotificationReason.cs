namespace Alerts.Core.Domain;

/// <summary>
/// Why a notification was written, stored as a number (code branches on it, never on the text); its words come from
/// <see cref="NotificationText"/>. Unknown is a row an upgrade could not read.
/// </summary>
public enum NotificationReason
{
    Unknown = 0,
    FirstOccurrence = 1,
    Regression = 2,
    /// <summary>The incident climbed a rung of the occurrence ladder (<c>Alerts:Policy:Milestones</c>).</summary>
    Ladder = 3,
    /// <summary>It went on occurring after a mail, and the cooldown is over.</summary>
    MoreSinceLastMail = 4,
    /// <summary>A broken-link rule newly holds the incident's occurrences back.</summary>
    HeldBack = 5,
    StormSummary = 6,
    BrokenLinkDigest = 7,
    /// <summary>A broken link first reported from elsewhere is now linked from the site's own page: its own bug to fix.</summary>
    FirstInternalReferrer = 8,
    /// <summary>A monitor that was down checked in successfully again (its recovery threshold reached).</summary>
    Recovered = 9,
    /// <summary>
    /// Not a mail: a recipient acted on the incident from a mail's signed link (or List-Unsubscribe), kept in the
    /// incident's log beside its mails; never sent.
    /// </summary>
    ActionFromMail = 10,
}

/// <summary>Why a recorded notification is not mailed on its own; None for one that is.</summary>
public enum NotificationHold
{
    None = 0,
    BrokenLinkMailOff = 1,
    NoRecipients = 2,
    /// <summary>Waits for the managers' broken-link digest.</summary>
    InDigest = 3,
    /// <summary>The project cap held it back; the storm summary lists it.</summary>
    ProjectCap = 4,
    /// <summary>Its level is below <c>Alerts:MailLevel</c> (AdminEmailHandler's level): recorded and shown, not mailed.</summary>
    BelowMailLevel = 5,
}
