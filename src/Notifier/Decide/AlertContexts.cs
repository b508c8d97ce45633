using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>The policy's view of an incident, the same whether an occurrence or the sweep asks.</summary>
internal static class AlertContexts
{
    /// <param name="latest">The incident's latest event: its environment routes the mail, its level meets <c>Alerts:MailLevel</c>.</param>
    public static AlertContext For(Incident incident, long countBefore, DateTime now, EventPayload latest, int projectMailsInWindow,
        AlertsOptions options, StoredRecipients? stored, Trigger trigger = Trigger.Occurrence) =>
        new(incident.Kind, incident.Status, countBefore, incident.ReportedCount, now,
            RecipientRouting.For(incident.Kind, incident.ProjectId, latest.Environment, options, stored),
            incident.LastNotifiedAt, incident.LastNotifiedCount, incident.SnoozedUntil, incident.SnoozedUntilCount,
            projectMailsInWindow, options.SendBrokenLinkEmails, trigger, BrokenLinkDigest: options.BrokenLinkDigestMinutes > 0,
            BelowMailLevel: incident.Kind == EventKind.Error && !EventLevels.Reaches(latest.Level, options.MailLevel));
}
