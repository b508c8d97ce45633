using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Monitors;
using Alerts.Notifier.SelfMonitoring;
using Hangfire;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Alerts.Notifier.Monitors;

/// <summary>
/// The due-check, a Hangfire recurring job (once across notifiers on shared storage): runs the clock over every monitor
/// with a run due or in progress, so late, missed and timed-out runs are found; each change is conditional on the row's
/// version, so two notifiers never both find one miss. Then recovers monitors whose recovery did not reach a notifier.
/// </summary>
public sealed class MonitorDueCheckJob(
    IDbContextFactory<AlertsDbContext> factory,
    MonitorRecorder recorder,
    MonitorRecovery recovery,
    IBus bus,
    SelfMonitor self,
    ILogger<MonitorDueCheckJob> logger)
{
    public const string RecurringJobId = "monitor-due-check";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var now = recorder.Now;
            List<long> due;
            await using (var db = await factory.CreateDbContextAsync(ct))
            {
                due = await db.Monitors.Where(m => !m.Paused && ((m.ExpectedAt != null && m.ExpectedAt <= now) || m.RunningSince != null))
                    .OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(ct);
            }
            foreach (var id in due)
            {
                try { await recorder.TickAsync(id, ct); }
                catch (MonitorNotFoundException) { } // deleted meanwhile
            }
            var queued = new List<long>();
            foreach (var id in await recovery.UnrecoveredAsync(ct))
                if (await recovery.RecoverAsync(id, ct) is { } notification) queued.Add(notification);
            if (queued.Count > 0) await bus.Publish(new NotificationsQueued(queued), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The monitor due-check failed; it runs again at the next tick");
            await self.ReportAsync(ex, "monitor due-check", ct);
        }
    }
}
