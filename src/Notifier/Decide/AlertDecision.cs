using Alerts.Core.Domain;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>
/// The policy's answer. <see cref="Record"/>: a notification row is written (sent or held back, with the reason);
/// <see cref="Send"/>: it is mailed; <see cref="Status"/>: the incident's status afterwards (a regression reopens it).
/// The reason is typed (<see cref="Cause"/>, <see cref="Hold"/>); <see cref="Reason"/> is its display text.
/// </summary>
public sealed record AlertDecision(bool Record, bool Send, NotificationReason Cause, IReadOnlyList<Recipient> Recipients, IncidentStatus Status)
{
    /// <summary>The ladder's rung, or how many more occurrences.</summary>
    public long Count { get; init; }

    public NotificationHold Hold { get; init; }

    /// <summary>The figures the hold's words name.</summary>
    public NotificationText.Hold? HoldFigures { get; init; }

    /// <summary>What else the reader should know: the rule that held a link back, the noise a mailed probe is.</summary>
    public string? Detail { get; init; }

    /// <summary>Why nothing is recorded ("ignored", "snoozed", "within cooldown"); such a decision writes no row.</summary>
    public string? NotRecorded { get; init; }

    public string Reason => NotRecorded ?? NotificationText.For(Cause, Count, Hold, HoldFigures, Detail);

    public bool HeldBackByCap => Record && !Send && Hold == NotificationHold.ProjectCap;

    /// <summary>Kept for the managers' broken-link digest instead of a mail of its own.</summary>
    public bool HeldForDigest => Record && !Send && Hold == NotificationHold.InDigest;
}
