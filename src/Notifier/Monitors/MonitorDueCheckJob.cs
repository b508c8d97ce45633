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
/// version, so two notifiers never both find one miss. Uptime checks that are due are requested (a few at a time) and their
/// outcome recorded as a run. Then recovers monitors whose recovery did not reach a notifier.
/// </summary>
public sealed class MonitorDueCheckJob(
    IDbContextFactory<AlertsDbContext> factory,
    MonitorRecorder recorder,
    MonitorRecovery recovery,
    UptimeProbe probe,
    IBus bus,
    SelfMonitor self,
    ILogger<MonitorDueCheckJob> logger)
{
    public const string RecurringJobId = "monitor-due-check";

    private const int UptimeParallelism = 8;

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var now = recorder.Now;
            List<(long Id, MonitorKind Kind)> due;
            await using (var db = await factory.CreateDbContextAsync(ct))
            {
                due = (await db.Monitors.Where(m => !m.Paused && ((m.ExpectedAt != null && m.ExpectedAt <= now) || m.RunningSince != null))
                    .OrderBy(m => m.Id).Select(m => new { m.Id, m.Kind }).ToListAsync(ct)).Select(m => (m.Id, m.Kind)).ToList();
            }
            foreach (var (id, _) in due.Where(m => m.Kind == MonitorKind.Cron))
            {
                try { await recorder.TickAsync(id, ct); }
                catch (MonitorNotFoundException) { } // deleted meanwhile
            }
            var checks = due.Where(m => m.Kind == MonitorKind.Uptime).Select(m => m.Id);
            await Parallel.ForEachAsync(checks, new ParallelOptions { MaxDegreeOfParallelism = UptimeParallelism, CancellationToken = ct },
                async (id, token) => await CheckAsync(id, token));
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

    /// <summary>Requests one uptime check's URL and records the outcome as a run; its state moves as a check-in's would.</summary>
    private async Task CheckAsync(long id, CancellationToken ct)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            if (await db.Monitors.Where(m => m.Id == id).Select(m => new { m.Uptime, m.IntervalSeconds }).FirstOrDefaultAsync(ct) is not { Uptime: { } target } row) return;
            // Claimed before it is requested: a second due-check at the same moment finds it not due, so one check is one run.
            var now = recorder.Now;
            var next = now.AddSeconds(row.IntervalSeconds);
            if (await db.Monitors.Where(m => m.Id == id && m.ExpectedAt != null && m.ExpectedAt <= now)
                    .ExecuteUpdateAsync(u => u.SetProperty(m => m.ExpectedAt, next).SetProperty(m => m.Version, m => m.Version + 1), ct) == 0)
                return;
            var response = await probe.ProbeAsync(target, ct);
            var verdict = UptimeRule.Evaluate(target, response, recorder.Now);
            await recorder.CheckInAsync(id, new CheckInReport(verdict.Up ? CheckInStatus.Ok : CheckInStatus.Error,
                DurationSeconds: response.DurationSeconds, Log: verdict.Reason), ct);
        }
        catch (MonitorNotFoundException)
        {
            // deleted meanwhile
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Uptime check {MonitorId} failed to run; it runs again at the next tick", id);
        }
    }
}
