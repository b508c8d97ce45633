using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Decide;

/// <summary>
/// The mails a quiet moment brings: a summary for incidents that went on occurring during their cooldown,
/// and one storm summary per project listing the incidents the project cap held back.
/// </summary>
public sealed class FollowUpMails(
    IDbContextFactory<AlertsDbContext> factory,
    IOptionsMonitor<AlertsOptions> settings,
    IOptionsMonitor<AlertPolicyOptions> policy,
    TimeProvider clock,
    ProjectRecipientStore recipientStore)
{
    private const int Batch = 100;
    public const string StormSummary = "storm summary";

    /// <summary>Decides the follow-ups that are due; returns the notifications to send.</summary>
    public async Task<IReadOnlyList<long>> DecideAsync(CancellationToken ct)
    {
        var queued = new List<long>();
        queued.AddRange(await SummariesAsync(ct));
        queued.AddRange(await StormSummariesAsync(ct));
        return queued;
    }

    private async Task<List<long>> SummariesAsync(CancellationToken ct)
    {
        var p = policy.CurrentValue;
        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now.AddMinutes(-p.CooldownMinutes);
        await using var db = await factory.CreateDbContextAsync(ct);
        var due = await db.Incidents
            .Where(i => i.Count - i.IgnoredCount > i.LastNotifiedCount && i.LastNotifiedAt != null && i.LastNotifiedAt <= cutoff
                        && (i.Status == IncidentStatus.Open
                            || (i.Status == IncidentStatus.Snoozed && ((i.SnoozedUntil != null && i.SnoozedUntil <= now)
                                || (i.SnoozedUntilCount != null && i.SnoozedUntilCount <= i.Count)))))
            .OrderBy(i => i.LastNotifiedAt).Take(Batch).ToListAsync(ct);

        var queued = new List<long>();
        var recipientsFor = await recipientStore.CurrentAsync(ct);
        foreach (var incident in due)
        {
            var latest = await db.Events.FirstOrDefaultAsync(e => e.Id == incident.LastEventId, ct);
            var payload = latest is null ? new EventPayload() : EventJson.Read(latest.Payload);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var mailsInWindow = new ProjectMailCounter(db, p, now);
            var decision = await mailsInWindow.DecideAsync(incident.ProjectId, mails => AlertPolicy.Decide(AlertContexts.For(
                incident, incident.ReportedCount, now, payload.Environment, mails, options, recipientsFor(incident.ProjectId), Trigger.Sweep), p), ct);
            // Conditional on the clock we read: when two notifiers sweep, one decides and the other moves on.
            if (!await IncidentState.ApplyAsync(db, incident, decision, now, incident.LastNotifiedAt, ct)) continue;
            if (decision.Record)
            {
                var notification = AlertNotifications.For(incident, latest?.Id ?? "", payload, decision, options, now);
                db.Notifications.Add(notification);
                await db.SaveChangesAsync(ct);
                if (decision.Send) queued.Add(notification.Id);
            }
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
        return queued;
    }

    private async Task<List<long>> StormSummariesAsync(CancellationToken ct)
    {
        var p = policy.CurrentValue;
        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var windowStart = now.AddMinutes(-p.ProjectCapWindowMinutes);
        await using var db = await factory.CreateDbContextAsync(ct);
        var projects = await db.Notifications
            .Where(n => n.Status == NotificationStatus.Skipped && n.SummaryId == null && n.Reason.Contains(AlertPolicy.CapReached))
            .Select(n => n.ProjectId).Distinct().ToListAsync(ct);

        var queued = new List<long>();
        foreach (var projectId in projects)
        {
            // One storm summary per project per window.
            if (await db.Notifications.AnyAsync(n => n.ProjectId == projectId && n.Reason == StormSummary && n.CreatedAt >= windowStart, ct))
                continue;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var held = await db.Notifications
                .Where(n => n.ProjectId == projectId && n.Status == NotificationStatus.Skipped && n.SummaryId == null && n.Reason.Contains(AlertPolicy.CapReached))
                .OrderBy(n => n.Id).Take(500).ToListAsync(ct);
            var incidentIds = held.Select(n => n.IncidentId).OfType<long>().Distinct().ToList();
            var incidents = await db.Incidents.Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
            var project = await db.Projects.Where(x => x.Id == projectId).Select(x => x.Name).FirstOrDefaultAsync(ct) ?? $"project {projectId}";

            var recipients = AlertMessageFactory.MergeRecipients(held);
            var summary = new Notification
            {
                ProjectId = projectId,
                Reason = StormSummary,
                Status = recipients.Length == 0 ? NotificationStatus.Skipped : NotificationStatus.Pending,
                Recipients = recipients,
                Subject = SummaryMails.StormSubject(project, incidents.Count, options),
                Body = SummaryMails.StormBody(project, held.Count, [.. incidents.Values], p, options),
                CreatedAt = now,
                NextAttemptAt = now,
            };
            db.Notifications.Add(summary);
            await db.SaveChangesAsync(ct);
            var ids = held.Select(n => n.Id).ToList();
            await db.Notifications.Where(n => ids.Contains(n.Id) && n.SummaryId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.SummaryId, summary.Id), ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            if (summary.Status == NotificationStatus.Pending) queued.Add(summary.Id);
        }
        return queued;
    }
}
