using Alerts.Core.Data;
using Alerts.Core.Options;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Jobs;

/// <summary>
/// Keeps storage bounded (a Hangfire recurring job): incidents not seen within the retention period go with their
/// samples, counters, referrers and notifications; hourly counters and mails older than it go too; event ids are
/// forgotten once past the idempotency window.
/// </summary>
public sealed class RetentionJob(
    IDbContextFactory<AlertsDbContext> factory,
    IOptionsMonitor<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionJob> logger)
{
    public const string RecurringJobId = "retention";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 3600)]
    public async Task RunAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = clock.GetUtcNow();
        var cutoff = now.UtcDateTime - TimeSpan.FromDays(o.Days);
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var oldIncidents = db.Incidents.Where(i => i.LastSeen < cutoff).Select(i => (long?)i.Id);
        var events = await db.Events.Where(e => oldIncidents.Contains(e.IncidentId)).ExecuteDeleteAsync(ct);
        var mails = await db.Notifications.Where(n => oldIncidents.Contains(n.IncidentId) || n.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        await db.IncidentHourlyCounts.Where(c => c.Hour < cutoff).ExecuteDeleteAsync(ct);
        // Referrers and the rest of the hourly counters go with their incident (ON DELETE CASCADE).
        var incidents = await db.Incidents.Where(i => i.LastSeen < cutoff).ExecuteDeleteAsync(ct);
        var seenBefore = (now - TimeSpan.FromHours(o.EventIdHours)).ToUnixTimeSeconds();
        var ids = await db.EventIds.Where(x => x.SeenAt < seenBefore).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation(
            "Retention: deleted {Incidents} incident(s), {Events} event(s), {Mails} notification(s) and forgot {Ids} event id(s)",
            incidents, events, mails, ids);
    }
}
