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
    ProjectRecipientStore recipientStore,
    IncidentMailContext mailContext)
{
    private const int Batch = 100;
    private const int MaxListed = 500;

    /// <summary>Decides the follow-ups that are due; returns the notifications to send.</summary>
    public async Task<IReadOnlyList<long>> DecideAsync(CancellationToken ct)
    {
        var p = policy.CurrentValue;
        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(ct);
        var queued = new List<long>();
        queued.AddRange(await SummariesAsync(db, p, options, now, ct));
        queued.AddRange(await StormSummariesAsync(db, p, options, now, ct));
        return queued;
    }

    private async Task<List<long>> SummariesAsync(AlertsDbContext db, AlertPolicyOptions p, AlertsOptions options, DateTime now, CancellationToken ct)
    {
        var cutoff = now.AddMinutes(-p.CooldownMinutes);
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
                incident, incident.ReportedCount, now, payload, mails, options, recipientsFor(incident.ProjectId), Trigger.Sweep), p), ct);
            // Conditional on the clock we read: when two notifiers sweep, one decides and the other moves on.
            if (!await IncidentState.ApplyAsync(db, incident, decision, now, incident.LastNotifiedAt, ct)) continue;
            if (decision.Record)
            {
                var notification = AlertNotifications.For(incident, latest?.Id ?? "", payload, decision, options, now, await mailContext.ForAsync(incident, ct));
                db.Notifications.Add(notification);
                await db.SaveChangesAsync(ct);
                if (decision.Send) queued.Add(notification.Id);
            }
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
        return queued;
    }

    private static async Task<List<long>> StormSummariesAsync(AlertsDbContext db, AlertPolicyOptions p, AlertsOptions options, DateTime now, CancellationToken ct)
    {
        var windowStart = now.AddMinutes(-p.ProjectCapWindowMinutes);
        var projects = await Summaries.Held(db, NotificationHold.ProjectCap).Select(n => n.ProjectId).Distinct().ToListAsync(ct);
        var queued = new List<long>();
        foreach (var projectId in projects)
        {
            // One storm summary per project per window.
            if (await db.Notifications.AnyAsync(n => n.ProjectId == projectId && n.Cause == NotificationReason.StormSummary && n.CreatedAt >= windowStart, ct))
                continue;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var held = await Summaries.Held(db, NotificationHold.ProjectCap).Where(n => n.ProjectId == projectId)
                .OrderBy(n => n.Id).Take(MaxListed).ToListAsync(ct);
            var incidents = await Summaries.IncidentsAsync(db, held, ct);
            var project = await Summaries.ProjectNameAsync(db, projectId, ct);
            var id = await Summaries.WriteAsync(db, projectId, NotificationReason.StormSummary, held,
                SummaryMails.StormSubject(project, incidents.Count, options),
                SummaryMails.StormBody(project, held.Count, [.. incidents.Values], p, options), now, ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            if (id is { } queuedId) queued.Add(queuedId);
        }
        return queued;
    }
}
