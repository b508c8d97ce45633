using Alerts.Collector.Ingestion;
using Alerts.Core.Monitors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Alerts.Collector.Monitors;

/// <summary>Finds (or, from Sentry's config, upserts) the monitor a check-in is for, and records it.</summary>
public sealed class CheckInIngestor(MonitorCatalog catalog, MonitorRecorder recorder, ILogger<CheckInIngestor> logger)
{
    /// <summary>A Sentry check-in of a project; null when recorded, else the problem to answer.</summary>
    public async Task<ProblemHttpResult?> SentryAsync(long projectId, SentryCheckIn checkIn, CancellationToken ct)
    {
        var monitor = await catalog.FindAsync(projectId, checkIn.Slug, ct);
        if (monitor is not null && NotForCheckIns(monitor) is { } uptime) return uptime;
        if (checkIn.Config is { } config && (monitor is null || !config.SameAs(monitor)))
            (monitor, _) = await catalog.UpsertAsync(projectId, checkIn.Slug, config, MonitorSource.SentryCheckIn, ct);
        if (monitor is null)
        {
            // As Sentry: a check-in for an unknown monitor without a config cannot create one.
            logger.LogInformation("Check-in for unknown monitor {Slug} of project {Project} without monitor_config dropped", checkIn.Slug, projectId);
            return EventsApi.Problem(404, "Unknown monitor", $"Project {projectId} has no monitor '{checkIn.Slug}'; send monitor_config to create it.");
        }
        await recorder.CheckInAsync(monitor.Id, checkIn.Report, ct);
        return null;
    }

    /// <summary>A ping of a monitor; null when recorded, else the problem to answer.</summary>
    public async Task<ProblemHttpResult?> RecordAsync(CronMonitor monitor, CheckInReport report, CancellationToken ct)
    {
        if (NotForCheckIns(monitor) is { } uptime) return uptime;
        await recorder.CheckInAsync(monitor.Id, report, ct);
        return null;
    }

    /// <summary>
    /// An uptime check's runs are the notifier's own requests: a check-in (whose key may be public, as in a browser's
    /// DSN) must neither fake them nor turn the check into a cron monitor.
    /// </summary>
    private static ProblemHttpResult? NotForCheckIns(CronMonitor monitor) => monitor.Kind == MonitorKind.Uptime
        ? EventsApi.Problem(409, "Uptime check", $"'{monitor.Slug}' is an uptime check: Alerts requests its URL itself and takes no check-ins for it.")
        : null;
}
