using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Alerts.Core.Monitors;

/// <summary>What a job reports about a run: Sentry's check-in, or a ping.</summary>
/// <param name="CheckInId">Sentry's <c>check_in_id</c>; null for a ping, whose end closes the run its start opened.</param>
public sealed record CheckInReport(CheckInStatus Status, string? CheckInId = null, double? DurationSeconds = null, string? Environment = null,
    int? ExitStatus = null, string? Log = null);

/// <summary>
/// Applies check-ins and the clock to a monitor's row, conditionally on the version it read (a concurrent writer makes it
/// read again), and in the same transaction records the run and, when the monitor goes down, the occurrence that enters
/// grouping like any event. A recovery is published for the notifiers to resolve the incident with one mail.
/// </summary>
public sealed class MonitorRecorder(IDbContextFactory<AlertsDbContext> factory, WriteGate gate, IBus bus, TimeProvider clock, ILogger<MonitorRecorder> logger)
{
    private const int Attempts = 8;
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(30);

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Records a check-in; returns its id (Sentry's, or a new one for a ping).</summary>
    public async Task<string> CheckInAsync(long monitorId, CheckInReport report, CancellationToken ct)
    {
        var id = report.CheckInId ?? MonitorCheckIn.NewId();
        await ApplyAsync(monitorId, (db, m, now) => RecordCheckInAsync(db, m, report, id, now, ct), ct);
        return id;
    }

    /// <summary>Runs the clock over one monitor: finds a late, missed or timed-out run. False when nothing changed.</summary>
    public Task<bool> TickAsync(long monitorId, CancellationToken ct) =>
        ApplyAsync(monitorId, (db, m, now) =>
        {
            if (m.Paused) return Task.FromResult<(MonitorStep, MonitorFailureInfo?)?>(null);
            var step = MonitorStateMachine.Tick(m.Status, m.Rules(), now);
            if (!step.Changed(m.Status)) return Task.FromResult<(MonitorStep, MonitorFailureInfo?)?>(null);
            return RecordFoundAsync(db, m, step, now, ct);
        }, ct);

    private delegate Task<(MonitorStep Step, MonitorFailureInfo? Failure)?> Transition(AlertsDbContext db, CronMonitor monitor, DateTime now);

    private async Task<bool> ApplyAsync(long monitorId, Transition transition, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            MonitorEffect effect;
            string? eventId = null;
            using (await gate.EnterAsync(GateTimeout, ct))
            {
                await using var db = await factory.CreateDbContextAsync(ct);
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var monitor = await db.Monitors.AsTracking().FirstOrDefaultAsync(m => m.Id == monitorId, ct)
                    ?? throw new MonitorNotFoundException(monitorId);
                var now = Now;
                if (await transition(db, monitor, now) is not var (step, failure)) return false;
                monitor.Apply(step.Next);
                monitor.Version++;
                effect = step.Effect;
                if (effect == MonitorEffect.OpenIncident && failure is not null)
                {
                    var stored = StoredEvent.Create(monitor.ProjectId, EventKind.Monitor, Occurrence(monitor, failure), now);
                    db.Events.Add(stored);
                    eventId = stored.Id;
                }
                try
                {
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                }
                catch (DbUpdateConcurrencyException) when (attempt < Attempts)
                {
                    continue; // another process moved the monitor: read it again and decide on what it is now
                }
            }
            // Committed: the sweep republishes an ungrouped event and reconciles a recovery if these publishes are lost.
            if (eventId is not null) await PublishAsync(new EventsAccepted([eventId]), ct);
            if (effect == MonitorEffect.Recover) await PublishAsync(new MonitorRecovered(monitorId), ct);
            return true;
        }
    }

    private async Task PublishAsync<T>(T message, CancellationToken ct) where T : class
    {
        try
        {
            await bus.Publish(message, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Publishing {Message} failed; the notifier's sweep picks it up", typeof(T).Name);
        }
    }

    private static async Task<(MonitorStep, MonitorFailureInfo?)?> RecordCheckInAsync(
        AlertsDbContext db, CronMonitor m, CheckInReport report, string id, DateTime now, CancellationToken ct)
    {
        // The run this check-in belongs to: Sentry's id links start and end; a ping's end closes the run its start opened.
        var run = report.CheckInId is { } sentryId
            ? await db.MonitorCheckIns.AsTracking().FirstOrDefaultAsync(c => c.MonitorId == m.Id && c.CheckInId == sentryId, ct)
            : report.Status == CheckInStatus.InProgress ? null
            : m.RunningSince is not { } since ? null
            : await db.MonitorCheckIns.AsTracking().Where(c => c.MonitorId == m.Id && c.Status == CheckInStatus.InProgress && c.StartedAt >= since)
                .OrderByDescending(c => c.StartedAt).FirstOrDefaultAsync(ct);
        if (run is null)
        {
            run = new MonitorCheckIn { MonitorId = m.Id, CheckInId = id, StartedAt = now };
            db.MonitorCheckIns.Add(run);
        }
        else if (run.Status != CheckInStatus.InProgress)
        {
            // A run already finished stays as it ended, as in Sentry: a start arriving after its end, an SDK's retry,
            // or an end arriving after the run was timed out changes nothing.
            return null;
        }
        run.Status = report.Status;
        run.Environment = report.Environment is { } env ? IncidentTitle.OneLine(env, MonitorCheckIn.EnvironmentMaxLength) : run.Environment;
        run.ExitStatus = report.ExitStatus ?? run.ExitStatus;
        run.Log = report.Log ?? run.Log;
        if (report.Status != CheckInStatus.InProgress)
        {
            run.FinishedAt = now;
            run.DurationSeconds = report.DurationSeconds ?? (run.StartedAt < now ? (now - run.StartedAt).TotalSeconds : null);
        }
        m.LastCheckInAt = now;
        if (m.Paused) return (new MonitorStep(m.Status, MonitorEffect.None), null); // recorded, but a paused monitor does not move
        var step = MonitorStateMachine.CheckIn(m.Status, m.Rules(), report.Status, now);
        return (step, Failure(m, step, "failed", run));
    }

    private static async Task<(MonitorStep, MonitorFailureInfo?)?> RecordFoundAsync(AlertsDbContext db, CronMonitor m, MonitorStep step, DateTime now, CancellationToken ct)
    {
        MonitorCheckIn? run = null;
        if (step.Found == CheckInStatus.TimedOut)
        {
            // The run that overran is marked timed out; a restart forgets nothing, as its start is in the monitor's row.
            run = await db.MonitorCheckIns.AsTracking().Where(c => c.MonitorId == m.Id && c.Status == CheckInStatus.InProgress)
                .OrderByDescending(c => c.StartedAt).FirstOrDefaultAsync(ct);
            if (run is not null)
            {
                run.Status = CheckInStatus.TimedOut;
                run.FinishedAt = now;
                run.DurationSeconds = (now - run.StartedAt).TotalSeconds;
            }
        }
        if (step.Found is { } found && run is null)
            db.MonitorCheckIns.Add(run = new MonitorCheckIn
            {
                MonitorId = m.Id, CheckInId = MonitorCheckIn.NewId(), Status = found, StartedAt = m.ExpectedAt ?? now, FinishedAt = now,
            });
        var word = step.Found == CheckInStatus.TimedOut ? "timed_out" : "missed";
        return (step, Failure(m, step, word, run));
    }

    private static MonitorFailureInfo? Failure(CronMonitor m, MonitorStep step, string failure, MonitorCheckIn? run) =>
        step.Effect != MonitorEffect.OpenIncident ? null : new MonitorFailureInfo
        {
            MonitorId = m.Id,
            Uuid = m.Uuid.ToString("D"),
            Slug = m.Slug,
            Schedule = m.ScheduleText,
            Failure = failure,
            ExpectedAt = failure == "missed" ? m.ExpectedAt : null,
            ExitStatus = run?.ExitStatus,
            Failures = step.Next.Failures,
            Log = run?.Log,
        };

    /// <summary>The occurrence a monitor going down is: an event of kind monitor, grouped into the monitor's one incident.</summary>
    private static EventPayload Occurrence(CronMonitor m, MonitorFailureInfo failure) => new()
    {
        Level = "error",
        Message = failure.Failure switch
        {
            _ when m.Kind == MonitorKind.Uptime => $"Monitor {m.Slug} is down: {failure.Log}",
            "missed" => $"Monitor {m.Slug} missed its check-in",
            "timed_out" => $"Monitor {m.Slug} timed out",
            _ => $"Monitor {m.Slug} failed",
        },
        Environment = null,
        Tags = new() { ["monitor"] = m.Slug, ["failure"] = failure.Failure ?? "" },
        Monitor = failure,
    };
}

public sealed class MonitorNotFoundException(long id) : Exception($"Monitor {id} does not exist.");
