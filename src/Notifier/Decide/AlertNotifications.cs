using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;

namespace Alerts.Notifier.Decide;

/// <summary>The outbox row for a recorded decision, its mail rendered now so it says what was true at the time.</summary>
internal static class AlertNotifications
{
    public static Notification For(Incident incident, string eventId, EventPayload payload, AlertDecision decision, AlertsOptions options, DateTime now,
        MailExtras extras)
    {
        var mail = AlertMailRenderer.Render(incident, payload, options, decision.Reason, extras);
        return new Notification
        {
            ProjectId = incident.ProjectId,
            IncidentId = incident.Id,
            EventId = eventId,
            Cause = decision.Cause,
            Hold = decision.Hold,
            Reason = IncidentTitle.OneLine(decision.Reason, Notification.ReasonMaxLength),
            Status = decision.Send ? NotificationStatus.Pending : NotificationStatus.Skipped,
            Recipients = AlertMessageFactory.FormatRecipients(decision.Recipients),
            Subject = mail.Subject,
            Body = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }
}
