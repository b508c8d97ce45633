using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Notifier.Grouping;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Delivery;

/// <summary>
/// The database is the source of truth: at start-up and on a schedule, events still ungrouped are
/// published again (a lost in-memory message or a crash loses nothing), follow-up summaries are decided
/// and due mails are sent.
/// </summary>
public sealed class NotifierSweep(
    IDbContextFactory<AlertsDbContext> factory,
    IBus bus,
    NotificationDelivery delivery,
    FollowUpMails followUps,
    IOptions<NotifierOptions> options,
    TimeProvider clock,
    ILogger<NotifierSweep> logger) : BackgroundService
{
    private const int PublishBatch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        var startedAt = clock.GetUtcNow().UtcDateTime;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                // At start-up everything ungrouped is ours; later, only what has waited a whole interval.
                var cutoff = clock.GetUtcNow().UtcDateTime - interval;
                await RepublishUngroupedAsync(cutoff < startedAt ? startedAt : cutoff, stoppingToken);
                await followUps.DecideAsync(stoppingToken);
                await delivery.SendDueAsync(null, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Sweep failed; it runs again in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RepublishUngroupedAsync(DateTime receivedBefore, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var after = "";
        while (true)
        {
            var ids = await db.Events
                .Where(e => e.IncidentId == null && e.ReceivedAt < receivedBefore && string.Compare(e.Id, after) > 0)
                .OrderBy(e => e.Id).Select(e => e.Id).Take(PublishBatch).ToListAsync(ct);
            if (ids.Count == 0) return;
            logger.LogInformation("Publishing {Count} ungrouped event(s) again", ids.Count);
            await bus.Publish(new EventsAccepted(ids), ct);
            after = ids[^1];
        }
    }
}
