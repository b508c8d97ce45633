using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Observability;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.Notifier.SelfMonitoring;
using Alerts.Notifier.Sql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Delivery;

/// <summary>
/// Sends outbox rows: leases due rows (so two notifiers never send the same one), sends them over one
/// connection and records each one's server reply, retry time or permanent failure before sending the next.
/// </summary>
public sealed class NotificationDelivery(
    IDbContextFactory<AlertsDbContext> factory,
    NotifierSql sql,
    IMailSender sender,
    IOptionsMonitor<AlertsOptions> settings,
    IOptions<NotifierOptions> notifier,
    IOptions<EmailOptions> email,
    TimeProvider clock,
    SelfMonitor monitor,
    IncidentMailContext mailContext,
    ILogger<NotificationDelivery> logger)
{
    /// <summary>Transient failures in a row after which ADMINS hear that mail is not getting through.</summary>
    private const int RepeatedFailures = 3;

    private const int BatchSize = 50;

    /// <summary>Sends the due notifications (only <paramref name="ids"/> when given); returns how many were sent.</summary>
    public async Task<int> SendDueAsync(IReadOnlyList<long>? ids, CancellationToken ct)
    {
        var sent = 0;
        while (true)
        {
            var batch = await LeaseAsync(ids, ct);
            if (batch.Count == 0) return sent;
            sent += await SendAsync(batch, ct);
            if (ids is not null) return sent;
        }
    }

    private async Task<List<Notification>> LeaseAsync(IReadOnlyList<long>? ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Long enough to cover a whole batch at the SMTP timeout, so a lease never expires mid-send.
        var until = now.AddSeconds(email.Value.TimeoutSeconds * 3 + 60);
        await using var db = await factory.CreateDbContextAsync(ct);
        var leased = await sql.LeaseAsync(db, ids, now, until, BatchSize, ct);
        if (leased.Count == 0) return [];
        return await db.Notifications.Where(n => leased.Contains(n.Id)).OrderBy(n => n.Id).ToListAsync(ct);
    }

    private async Task<int> SendAsync(List<Notification> batch, CancellationToken ct)
    {
        var options = settings.CurrentValue;
        var o = notifier.Value;
        await using var db = await factory.CreateDbContextAsync(ct);
        var incidentIds = batch.Where(n => n.IncidentId is not null).Select(n => n.IncidentId!.Value).Distinct().ToList();
        var kinds = await db.Incidents.Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Kind, ct);
        var messages = new List<MimeKit.MimeMessage>(batch.Count);
        foreach (var n in batch)
        {
            var unsubscribe = n.IncidentId is { } id && kinds.TryGetValue(id, out var kind) ? mailContext.UnsubscribeLink(id, kind) : null;
            messages.Add(AlertMessageFactory.Create(n, options, await mailContext.ProjectNameAsync(n.ProjectId, ct), unsubscribe));
        }
        var sent = 0;
        var failures = new List<string>();
        var i = 0;
        // Each result is recorded before the next message goes out. A write that fails ends the batch here: the rest
        // stay leased and unsent, so only the one mail whose record was lost can go out twice.
        await foreach (var r in sender.SendAsync(messages, ct))
        {
            var n = batch[i++];
            var now = clock.GetUtcNow().UtcDateTime;
            var attempts = n.Attempts + 1;
            var (status, next) = r.Outcome switch
            {
                SendOutcome.Sent => (NotificationStatus.Sent, n.NextAttemptAt),
                SendOutcome.Transient when attempts < o.MaxAttempts => (NotificationStatus.Pending,
                    now + RetrySchedule.Delay(attempts, TimeSpan.FromSeconds(o.RetryBaseSeconds), TimeSpan.FromSeconds(o.RetryMaxSeconds))),
                _ => (NotificationStatus.Failed, n.NextAttemptAt),
            };
            // Not cancelled with the host: a mail that went out and is not recorded is sent again.
            await db.Notifications.Where(x => x.Id == n.Id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, status)
                .SetProperty(x => x.Attempts, attempts)
                .SetProperty(x => x.NextAttemptAt, next)
                .SetProperty(x => x.LeasedUntil, (DateTime?)null)
                .SetProperty(x => x.SentAt, status == NotificationStatus.Sent ? now : null)
                .SetProperty(x => x.LastResult, r.Detail), CancellationToken.None);
            if (status == NotificationStatus.Sent) AlertsMetrics.MailSent();
            else if (status == NotificationStatus.Failed) AlertsMetrics.MailFailed();
            else AlertsMetrics.MailRetried();
            if (status == NotificationStatus.Sent) sent++;
            else
            {
                logger.LogWarning("Mail {Id} for incident {Incident} {Outcome}: {Detail}", n.Id, n.IncidentId, status == NotificationStatus.Failed ? "failed" : "will be retried", r.Detail);
                // Repeated transient failures mean mail is not getting through; a single 5xx is shown in the log instead.
                // A mail about Alerts' own failure is not reported again: that would loop.
                var givenUp = status == NotificationStatus.Failed && r.Outcome == SendOutcome.Transient;
                if (n.ProjectId != SelfMonitor.ProjectId && (attempts == RepeatedFailures || givenUp))
                    failures.Add($"mail {n.Id} to {n.Recipients}: {attempts} attempts failed{(givenUp ? ", given up" : "")}: {r.Detail}");
            }
        }
        foreach (var failure in failures)
            await monitor.ReportAsync("MailDeliveryFailed", failure, "mail delivery", ct);
        return sent;
    }
}
