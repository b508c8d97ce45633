using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerts.Core.Observability;

/// <summary>
/// Counts the work waiting in the database (ungrouped events, unsent mails) for the queue-depth gauge. Sampled on a
/// timer, not on each scrape, so a scrape never waits on the database.
/// </summary>
internal sealed class QueueDepthSampler(IDatabaseProvider factory, ILogger<QueueDepthSampler> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private long _ungrouped;
    private long _pendingMails;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ungrouped = AlertsMetrics.ObserveQueue("ungrouped", () => Interlocked.Read(ref _ungrouped));
        using var pending = AlertsMetrics.ObserveQueue("pending_mails", () => Interlocked.Read(ref _pendingMails));
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await using var db = await factory.CreateDbContextAsync(stoppingToken);
                Interlocked.Exchange(ref _ungrouped,
                    await factory.WalkingIndexesAsync(db.Database, () => db.Events.LongCountAsync(e => e.IncidentId == null, stoppingToken), stoppingToken));
                Interlocked.Exchange(ref _pendingMails, await db.Notifications.LongCountAsync(n => n.Status == NotificationStatus.Pending, stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The readiness check reports an unreachable database; the gauge keeps its last value.
                logger.LogDebug(ex, "Could not sample queue depths");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
