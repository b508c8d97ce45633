using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Monitors;
using Alerts.Core.Options;
using Alerts.Notifier.Decide;
using Alerts.Notifier.Mail;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Monitors;

/// <summary>
/// A monitor back up resolves its open incident with one "recovered" mail in the incident's thread. Resolving is a
/// conditional update, so the message and the due-check's reconciliation (or two notifiers) never both mail.
/// </summary>
public sealed class MonitorRecovery(
    IDbContextFactory<AlertsDbContext> factory,
    WriteGate gate,
    IOptionsMonitor<AlertsOptions> settings,
    ProjectRecipientStore recipientStore,
    TimeProvider clock)
{
    /// <summary>The fingerprint of a monitor's one incident (as grouping computes it from the monitor's occurrences).</summary>
    public static string FingerprintOf(CronMonitor m) =>
        Fingerprinter.Compute(EventKind.Monitor, new EventPayload { Monitor = new MonitorFailureInfo { Uuid = m.Uuid.ToString("D") } });

    /// <summary>Resolves the monitor's open incident if it is up; returns the notification to send, if any.</summary>
    public async Task<long?> RecoverAsync(long monitorId, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(TimeSpan.FromSeconds(30), ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        var monitor = await db.Monitors.FirstOrDefaultAsync(m => m.Id == monitorId, ct);
        if (monitor is null || monitor.State != MonitorState.Up) return null;
        var fingerprint = FingerprintOf(monitor);
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.ProjectId == monitor.ProjectId && i.Fingerprint == fingerprint && i.Status == IncidentStatus.Open, ct);
        if (incident is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var resolved = await db.Incidents.Where(i => i.Id == incident.Id && i.Status == IncidentStatus.Open)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, IncidentStatus.Resolved).SetProperty(i => i.ResolvedAt, now), ct);
        if (resolved == 0) return null; // another notifier (or a person) resolved it first
        var options = settings.CurrentValue;
        var recipients = RecipientRouting.For(EventKind.Monitor, monitor.ProjectId, null, options, (await recipientStore.CurrentAsync(ct))(monitor.ProjectId));
        var mail = MonitorMail.Recovered(incident, monitor, incident.LastSeen, now, options);
        var hold = recipients.Count == 0 ? NotificationHold.NoRecipients : NotificationHold.None;
        var notification = new Notification
        {
            ProjectId = monitor.ProjectId,
            IncidentId = incident.Id,
            EventId = incident.LastEventId,
            Cause = NotificationReason.Recovered,
            Hold = hold,
            Reason = NotificationText.For(NotificationReason.Recovered, hold: hold, held: new NotificationText.Hold(EventKind.Monitor)),
            Status = hold == NotificationHold.None ? NotificationStatus.Pending : NotificationStatus.Skipped,
            Recipients = AlertMessageFactory.FormatRecipients(recipients),
            Subject = mail.Subject,
            Body = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.Notifications.Add(notification);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return notification.Status == NotificationStatus.Pending ? notification.Id : null;
    }

    /// <summary>Monitors that are up while their incident is still open: a recovery whose message was lost, or that came before grouping.</summary>
    public async Task<List<long>> UnrecoveredAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var open = await db.Incidents.Where(i => i.Kind == EventKind.Monitor && i.Status == IncidentStatus.Open)
            .Select(i => new { i.ProjectId, i.Fingerprint }).ToListAsync(ct);
        if (open.Count == 0) return [];
        var projects = open.Select(o => o.ProjectId).Distinct().ToList();
        var up = await db.Monitors.Where(m => m.State == MonitorState.Up && projects.Contains(m.ProjectId)).ToListAsync(ct);
        var wanted = open.Select(o => (o.ProjectId, o.Fingerprint)).ToHashSet();
        return [.. up.Where(m => wanted.Contains((m.ProjectId, FingerprintOf(m)))).Select(m => m.Id)];
    }
}

public sealed class MonitorRecoveredConsumer(MonitorRecovery recovery) : IConsumer<MonitorRecovered>
{
    public async Task Consume(ConsumeContext<MonitorRecovered> context)
    {
        if (await recovery.RecoverAsync(context.Message.MonitorId, context.CancellationToken) is { } id)
            await context.Publish(new NotificationsQueued([id]), context.CancellationToken);
    }
}
