using System.Globalization;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>Why the policy is asked: an occurrence was grouped, or the sweep looks at a quiet incident.</summary>
public enum Trigger { Occurrence, Sweep }

/// <summary>What the policy knows about an incident when deciding; counts are before and after this occurrence.</summary>
public sealed record AlertContext(
    EventKind Kind,
    IncidentStatus Status,
    long CountBefore,
    long CountAfter,
    DateTime Now,
    IReadOnlyList<Recipient> Recipients,
    DateTime? LastNotifiedAt = null,
    long LastNotifiedCount = 0,
    DateTime? SnoozedUntil = null,
    long? SnoozedUntilCount = null,
    int ProjectMailsInWindow = 0,
    bool BrokenLinkMailOn = true,
    Trigger Trigger = Trigger.Occurrence,
    bool BrokenLinkDigest = false);

/// <summary>
/// The policy's answer. <see cref="Record"/>: a notification row is written (sent or held back, with the reason);
/// <see cref="Send"/>: it is mailed; <see cref="Status"/>: the incident's status afterwards (a regression reopens it).
/// </summary>
public sealed record AlertDecision(bool Record, bool Send, string Reason, IReadOnlyList<Recipient> Recipients, IncidentStatus Status)
{
    public bool HeldBackByCap => Record && !Send && Reason.Contains(AlertPolicy.CapReached, StringComparison.Ordinal);

    /// <summary>Kept for the managers' broken-link digest instead of a mail of its own.</summary>
    public bool HeldForDigest => Record && !Send && Reason.Contains(AlertPolicy.InDigest, StringComparison.Ordinal);
}

/// <summary>When an occurrence is worth a mail. Pure: the caller brings the incident's state and applies the answer.</summary>
public static class AlertPolicy
{
    public const string FirstOccurrence = "first occurrence";
    public const string Regression = "regression";
    public const string CapReached = "project cap reached";
    public const string InDigest = "in digest";

    public static AlertDecision Decide(AlertContext c, AlertPolicyOptions p)
    {
        var status = c.Status;
        if (status == IncidentStatus.Ignored) return Nothing("ignored", status);
        if (status == IncidentStatus.Snoozed)
        {
            var byTime = c.SnoozedUntil is { } until && c.Now < until;
            var byCount = c.SnoozedUntilCount is { } count && c.CountAfter < count;
            if (byTime || byCount) return Nothing("snoozed", status);
            status = IncidentStatus.Open; // the snooze's condition has ended
        }

        var reason = WhyMail(c, p);
        if (c.Trigger == Trigger.Occurrence && c.Status == IncidentStatus.Resolved) status = IncidentStatus.Open;
        if (reason is null) return Nothing("within cooldown", status);

        if (c.Kind == EventKind.BrokenLink && !c.BrokenLinkMailOn)
            return new AlertDecision(true, false, $"{reason}; broken-link mail is off (SendBrokenLinkEmails)", [], status);
        if (c.Recipients.Count == 0)
            return new AlertDecision(true, false, $"{reason}; no {RecipientRouting.GroupName(c.Kind)} configured", [], status);
        // A digest is one mail per interval, so its links are not counted against the cap one by one.
        if (c.Kind == EventKind.BrokenLink && c.BrokenLinkDigest)
            return new AlertDecision(true, false, $"{reason}; {InDigest}", c.Recipients, status);
        // Regressions are exempt from the cap: a fix that failed is news even in a storm.
        if (reason != Regression && c.ProjectMailsInWindow >= p.ProjectCap)
            return new AlertDecision(true, false,
                $"{reason}; {CapReached} ({p.ProjectCap} mails in {p.ProjectCapWindowMinutes} min)", c.Recipients, status);
        return new AlertDecision(true, true, reason, c.Recipients, status);
    }

    private static string? WhyMail(AlertContext c, AlertPolicyOptions p)
    {
        if (c.Trigger == Trigger.Occurrence && c.Status == IncidentStatus.Resolved) return Regression;
        if (c.CountBefore == 0) return FirstOccurrence;
        if (c.LastNotifiedAt is { } last && c.Now - last < TimeSpan.FromMinutes(p.CooldownMinutes)) return null;
        var milestone = p.Milestones.Where(m => m > c.LastNotifiedCount && m <= c.CountAfter).DefaultIfEmpty(0).Max();
        if (milestone > 0) return string.Create(CultureInfo.InvariantCulture, $"reached {milestone} occurrences");
        if (c.LastNotifiedAt is not null && c.CountAfter > c.LastNotifiedCount)
            return string.Create(CultureInfo.InvariantCulture, $"{c.CountAfter - c.LastNotifiedCount} more occurrences since the last mail");
        return null;
    }

    private static AlertDecision Nothing(string reason, IncidentStatus status) => new(false, false, reason, [], status);
}
