using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Notifier.Decide;

/// <summary>When an occurrence is worth a mail. Pure: the caller brings the incident's state and applies the answer.</summary>
public static class AlertPolicy
{
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

        var why = WhyMail(c, p);
        if (c.Trigger == Trigger.Occurrence && c.Status == IncidentStatus.Resolved) status = IncidentStatus.Open;
        if (why is not var (cause, figure)) return Nothing("within cooldown", status);

        var mail = new AlertDecision(true, true, cause, c.Recipients, status) { Count = figure };
        if (c.Kind == EventKind.BrokenLink && !c.BrokenLinkMailOn) return Held(mail with { Recipients = [] }, NotificationHold.BrokenLinkMailOff);
        // AdminEmailHandler's level: below it an incident is recorded and shown, never mailed.
        if (c.BelowMailLevel) return Held(mail, NotificationHold.BelowMailLevel);
        if (c.Recipients.Count == 0) return Held(mail, NotificationHold.NoRecipients, new NotificationText.Hold(c.Kind));
        // A digest is one mail per interval, so its links are not counted against the cap one by one.
        if (c.Kind == EventKind.BrokenLink && c.BrokenLinkDigest) return Held(mail, NotificationHold.InDigest);
        // Regressions are exempt from the cap: a fix that failed is news even in a storm.
        if (cause != NotificationReason.Regression && c.ProjectMailsInWindow >= p.ProjectCap)
            return Held(mail, NotificationHold.ProjectCap, new NotificationText.Hold(c.Kind, p.ProjectCap, p.ProjectCapWindowMinutes));
        return mail;
    }

    private static (NotificationReason Cause, long Count)? WhyMail(AlertContext c, AlertPolicyOptions p)
    {
        if (c.Trigger == Trigger.Occurrence && c.Status == IncidentStatus.Resolved) return (NotificationReason.Regression, 0);
        if (c.CountBefore == 0) return (NotificationReason.FirstOccurrence, 0);
        // Django mails an internal broken link on every hit; one incident per target mails its first internal referrer once.
        if (c.Kind == EventKind.BrokenLink && c.FirstInternalReferrer) return (NotificationReason.FirstInternalReferrer, 0);
        if (c.LastNotifiedAt is { } last && c.Now - last < TimeSpan.FromMinutes(p.CooldownMinutes)) return null;
        var milestone = p.Milestones.Where(m => m > c.LastNotifiedCount && m <= c.CountAfter).DefaultIfEmpty(0).Max();
        if (milestone > 0) return (NotificationReason.Ladder, milestone);
        if (c.LastNotifiedAt is not null && c.CountAfter > c.LastNotifiedCount)
            return (NotificationReason.MoreSinceLastMail, c.CountAfter - c.LastNotifiedCount);
        return null;
    }

    private static AlertDecision Held(AlertDecision mail, NotificationHold hold, NotificationText.Hold? figures = null) =>
        mail with { Send = false, Hold = hold, HoldFigures = figures };

    private static AlertDecision Nothing(string why, IncidentStatus status) =>
        new(false, false, NotificationReason.Unknown, [], status) { NotRecorded = why };
}
