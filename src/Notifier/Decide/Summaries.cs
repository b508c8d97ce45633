using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Notifier.Mail;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Decide;

/// <summary>Held-back rows gathered into one mail (the storm summary, the broken-link digest), found by their typed hold.</summary>
internal static class Summaries
{
    /// <summary>Rows held back for <paramref name="hold"/> that no summary lists yet.</summary>
    public static IQueryable<Notification> Held(AlertsDbContext db, NotificationHold hold) =>
        db.Notifications.Where(n => n.Status == NotificationStatus.Skipped && n.SummaryId == null && n.Hold == hold);

    public static async Task<string> ProjectNameAsync(AlertsDbContext db, long projectId, CancellationToken ct) =>
        await db.Projects.Where(p => p.Id == projectId).Select(p => p.Name).FirstOrDefaultAsync(ct)
        ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"project {projectId}");

    public static async Task<Dictionary<long, Incident>> IncidentsAsync(AlertsDbContext db, List<Notification> held, CancellationToken ct)
    {
        var ids = held.Select(n => n.IncidentId).OfType<long>().Distinct().ToList();
        return await db.Incidents.Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
    }

    /// <summary>
    /// Writes the summary to everyone the held rows were meant for and marks them listed, in the caller's transaction;
    /// returns its id when it is to be sent (nobody to send to: it is recorded, skipped).
    /// </summary>
    public static async Task<long?> WriteAsync(AlertsDbContext db, long projectId, NotificationReason cause, List<Notification> held,
        string subject, string body, DateTime now, CancellationToken ct)
    {
        var recipients = AlertMessageFactory.MergeRecipients(held);
        var summary = new Notification
        {
            ProjectId = projectId,
            Cause = cause,
            Reason = NotificationText.For(cause),
            Status = recipients.Length == 0 ? NotificationStatus.Skipped : NotificationStatus.Pending,
            Recipients = recipients,
            Subject = subject,
            Body = body,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.Notifications.Add(summary);
        await db.SaveChangesAsync(ct);
        var ids = held.Select(n => n.Id).ToList();
        await db.Notifications.Where(n => ids.Contains(n.Id) && n.SummaryId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.SummaryId, summary.Id), ct);
        return summary.Status == NotificationStatus.Pending ? summary.Id : null;
    }
}
