using Alerts.Core.Data;
using Alerts.Core.Monitors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>
/// Monitors: their state, a timeline of their latest runs, and those runs with their durations; for uptime checks also
/// the uptime and mean response time of each of the last days.
/// </summary>
public sealed class MonitorsModel(MonitorCatalog catalog, AlertsDbContext db, TimeProvider clock) : PageModel
{
    public const int UptimeDays = 7;

    public const int TimelineRuns = 30;
    public const int RunsListed = 5;

    public IReadOnlyList<CronMonitor> Monitors { get; private set; } = [];
    public IReadOnlyDictionary<long, List<MonitorCheckIn>> Runs { get; private set; } = new Dictionary<long, List<MonitorCheckIn>>();
    public IReadOnlyDictionary<long, string> ProjectNames { get; private set; } = new Dictionary<long, string>();
    public IReadOnlyDictionary<long, List<UptimeDay>> Uptime { get; private set; } = new Dictionary<long, List<UptimeDay>>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        ViewData["Title"] = "Monitors";
        Monitors = await catalog.ListAsync(null, ct);
        ProjectNames = await db.Projects.ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        var runs = new Dictionary<long, List<MonitorCheckIn>>();
        foreach (var m in Monitors)
            runs[m.Id] = await db.MonitorCheckIns.Where(c => c.MonitorId == m.Id).OrderByDescending(c => c.StartedAt).ThenByDescending(c => c.Id)
                .Take(TimelineRuns).ToListAsync(ct);
        Runs = runs;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var since = today.AddDays(1 - UptimeDays).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var uptime = new Dictionary<long, List<UptimeDay>>();
        foreach (var m in Monitors.Where(m => m.Kind == MonitorKind.Uptime))
            uptime[m.Id] = UptimeStats.PerDay(await db.MonitorCheckIns.Where(c => c.MonitorId == m.Id && c.StartedAt >= since).ToListAsync(ct), today, UptimeDays);
        Uptime = uptime;
    }

    public async Task<IActionResult> OnPostPauseAsync(long monitorId, bool paused, CancellationToken ct)
    {
        await catalog.SetPausedAsync(monitorId, paused, ct);
        return RedirectToPage();
    }

    /// <summary>The colour of a run on the timeline.</summary>
    public static string Colour(CheckInStatus s) => s switch
    {
        CheckInStatus.Ok => "#2da44e",
        CheckInStatus.InProgress => "#8c959f",
        CheckInStatus.Missed => "#bf8700",
        _ => "#cf222e",
    };

    public static string Duration(double? seconds) => seconds is { } s
        ? s < 60 ? $"{s:0.#} s" : s < 3600 ? $"{s / 60:0.#} min" : $"{s / 3600:0.#} h"
        : "—";
}
