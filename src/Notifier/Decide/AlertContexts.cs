using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>The policy's view of an incident, the same whether an occurrence or the sweep asks.</summary>
internal static class AlertContexts
{
    public static AlertContext For(Incident incident, long countBefore, DateTime now, string? environment, int projectMailsInWindow,
        AlertsOptions options, StoredRecipients? stored, Trigger trigger = Trigger.Occurrence) =>
        new(incident.Kind, incident.Status, countBefore, incident.ReportedCount, now,
            RecipientRouting.For(incident.Kind, incident.ProjectId, environment, options, stored),
            incident.LastNotifiedAt, incident.LastNotifiedCount, incident.SnoozedUntil, incident.SnoozedUntilCount,
            projectMailsInWindow, options.SendBrokenLinkEmails, trigger, BrokenLinkDigest: options.BrokenLinkDigestMinutes > 0);
}
