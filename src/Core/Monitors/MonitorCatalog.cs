using System.Text.RegularExpressions;
using Alerts.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Core.Monitors;

/// <summary>A monitor's settings, cron or uptime: checked, copied to the row, and compared with it.</summary>
public interface IMonitorDefinition
{
    /// <summary>What is wrong with it, by field name; empty when it is valid.</summary>
    Dictionary<string, string[]> Errors();
    void CopyTo(CronMonitor m);
    bool SameAs(CronMonitor m);
}

/// <summary>A cron monitor's settings as the API, the CLI, configuration and Sentry's <c>monitor_config</c> give them.</summary>
public sealed record MonitorDefinition(
    ScheduleType ScheduleType,
    string? Crontab,
    long IntervalSeconds,
    string? TimeZone = null,
    int MarginMinutes = 1,
    int? MaxRuntimeMinutes = null,
    int FailureIssueThreshold = 1,
    int RecoveryThreshold = 1) : IMonitorDefinition
{
    public Dictionary<string, string[]> Errors()
    {
        var errors = new Dictionary<string, string[]>();
        if (MonitorSchedule.TryCreate(ScheduleType, Crontab, IntervalSeconds, TimeZone, out var error) is null)
            errors["schedule"] = [error!];
        if (Crontab is { Length: > CronMonitor.CrontabMaxLength }) errors["schedule"] = ["The crontab is too long."];
        if (MarginMinutes is < 0 or > 7 * 24 * 60) errors["checkinMargin"] = ["Between 0 and 10080 minutes."];
        if (MaxRuntimeMinutes is < 1 or > 7 * 24 * 60) errors["maxRuntime"] = ["Between 1 and 10080 minutes."];
        if (FailureIssueThreshold is < 1 or > 1000) errors["failureIssueThreshold"] = ["Between 1 and 1000."];
        if (RecoveryThreshold is < 1 or > 1000) errors["recoveryThreshold"] = ["Between 1 and 1000."];
        return errors;
    }

    public void CopyTo(CronMonitor m)
    {
        m.Kind = MonitorKind.Cron;
        m.Uptime = null;
        m.ScheduleType = ScheduleType;
        m.Crontab = ScheduleType == ScheduleType.Crontab ? Crontab?.Trim() : null;
        m.IntervalSeconds = ScheduleType == ScheduleType.Interval ? IntervalSeconds : 0;
        m.TimeZone = string.IsNullOrWhiteSpace(TimeZone) || TimeZone is "UTC" or "Etc/UTC" ? null : TimeZone.Trim();
        m.MarginMinutes = MarginMinutes;
        m.MaxRuntimeMinutes = MaxRuntimeMinutes;
        m.FailureIssueThreshold = FailureIssueThreshold;
        m.RecoveryThreshold = RecoveryThreshold;
    }

    public bool SameAs(CronMonitor m)
    {
        var copy = new CronMonitor { Slug = m.Slug };
        CopyTo(copy);
        return m.Kind == MonitorKind.Cron && copy.ScheduleType == m.ScheduleType && copy.Crontab == m.Crontab && copy.IntervalSeconds == m.IntervalSeconds
            && copy.TimeZone == m.TimeZone && copy.MarginMinutes == m.MarginMinutes && copy.MaxRuntimeMinutes == m.MaxRuntimeMinutes
            && copy.FailureIssueThreshold == m.FailureIssueThreshold && copy.RecoveryThreshold == m.RecoveryThreshold;
    }
}

/// <summary>Finds, creates and changes monitors: the one way the API, the CLI, configuration and check-ins reach them.</summary>
public sealed partial class MonitorCatalog(IDbContextFactory<AlertsDbContext> factory, WriteGate gate, TimeProvider clock)
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex SlugPattern();

    /// <summary>Sentry's slugs are lower case; a slug names a monitor in a URL, so it is letters, digits, '-' and '_'.</summary>
    public static string? NormalizeSlug(string? slug)
    {
        var s = slug?.Trim().ToLowerInvariant();
        return s is not null && SlugPattern().IsMatch(s) ? s : null;
    }

    /// <summary>What is wrong with a monitor's slug and settings, by field name; empty when both are valid.</summary>
    public static Dictionary<string, string[]> Errors(string? slug, IMonitorDefinition definition)
    {
        var errors = definition.Errors();
        if (NormalizeSlug(slug) is null) errors["slug"] = ["1-64 letters, digits, '-' or '_'."];
        return errors;
    }

    /// <summary>A monitor belongs to a project: the API, the page and the CLI ask this before adding one.</summary>
    public async Task<bool> ProjectExistsAsync(long projectId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Projects.AnyAsync(p => p.Id == projectId, ct);
    }

    public async Task<CronMonitor?> FindAsync(long id, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Monitors.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
    }

    public async Task<CronMonitor?> FindAsync(Guid uuid, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Monitors.AsNoTracking().FirstOrDefaultAsync(m => m.Uuid == uuid, ct);
    }

    public async Task<CronMonitor?> FindAsync(long projectId, string slug, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Monitors.AsNoTracking().FirstOrDefaultAsync(m => m.ProjectId == projectId && m.Slug == slug, ct);
    }

    public async Task<List<CronMonitor>> ListAsync(long? projectId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Monitors.AsNoTracking().Where(m => projectId == null || m.ProjectId == projectId)
            .OrderBy(m => m.ProjectId).ThenBy(m => m.Slug).ToListAsync(ct);
    }

    /// <summary>
    /// Creates the monitor, or changes its settings when <paramref name="definition"/> differs; a new monitor expects its
    /// first run by the schedule, except one a check-in creates (that check-in is its first run).
    /// </summary>
    public async Task<(CronMonitor Monitor, bool Created)> UpsertAsync(long projectId, string slug, IMonitorDefinition? definition, MonitorSource source, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var turn = await gate.EnterAsync(GateTimeout, ct);
            await using var db = await factory.CreateDbContextAsync(ct);
            var monitor = await db.Monitors.AsTracking().FirstOrDefaultAsync(m => m.ProjectId == projectId && m.Slug == slug, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var created = monitor is null;
            if (monitor is null)
            {
                if (definition is null) throw new MonitorNotFoundException(0);
                monitor = new CronMonitor { ProjectId = projectId, Slug = slug, Uuid = Guid.NewGuid(), Source = source, CreatedAt = now };
                definition.CopyTo(monitor);
                // An uptime check runs at once; a declared job's first run is due by its schedule.
                if (source != MonitorSource.SentryCheckIn) monitor.ExpectedAt = monitor.Kind == MonitorKind.Uptime ? now : monitor.Rules().Schedule.Next(now);
                db.Monitors.Add(monitor);
            }
            else if (definition is not null && !definition.SameAs(monitor))
            {
                definition.CopyTo(monitor);
                // A new schedule applies from now; a run in progress keeps its start.
                if (monitor.ExpectedAt is not null) monitor.ExpectedAt = monitor.Rules().Schedule.Next(now);
                monitor.Version++;
            }
            else return (monitor, false);
            try
            {
                await db.SaveChangesAsync(ct);
                return (monitor, created);
            }
            catch (DbUpdateException) when (attempt < 4)
            {
                // A concurrent first check-in created it, or moved it: read it again.
            }
        }
    }

    /// <summary>Pauses or resumes; a resumed monitor expects its next run from now. False when it does not exist.</summary>
    public Task<bool> SetPausedAsync(long id, bool paused, CancellationToken ct) => ChangeAsync(id, m =>
    {
        if (m.Paused == paused) return;
        m.Paused = paused;
        m.RunningSince = null;
        if (!paused && (m.ExpectedAt is not null || m.State != MonitorState.New))
            m.ExpectedAt = m.Rules().Schedule.Next(clock.GetUtcNow().UtcDateTime);
    }, ct);

    public Task<bool> UpdateAsync(long id, IMonitorDefinition definition, CancellationToken ct) => ChangeAsync(id, m =>
    {
        if (definition.SameAs(m)) return;
        definition.CopyTo(m);
        if (m.ExpectedAt is not null) m.ExpectedAt = m.Rules().Schedule.Next(clock.GetUtcNow().UtcDateTime);
    }, ct);

    public async Task<bool> DeleteAsync(long id, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(GateTimeout, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.MonitorCheckIns.AsTracking().Where(c => c.MonitorId == id).ExecuteDeleteAsync(ct);
        return await db.Monitors.Where(m => m.Id == id).ExecuteDeleteAsync(ct) > 0;
    }

    private async Task<bool> ChangeAsync(long id, Action<CronMonitor> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var turn = await gate.EnterAsync(GateTimeout, ct);
            await using var db = await factory.CreateDbContextAsync(ct);
            var monitor = await db.Monitors.AsTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
            if (monitor is null) return false;
            change(monitor);
            monitor.Version++;
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 8)
            {
            }
        }
    }
}
