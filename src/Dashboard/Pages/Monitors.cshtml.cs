using Alerts.Core.Data;
using Alerts.Core.Monitors;
using Alerts.Dashboard.Api;
using Microsoft.AspNetCore.Http;
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

    /// <summary>Why the monitor in the add form was not added, one line per field; the form keeps what was typed.</summary>
    public IReadOnlyList<string> AddErrors { get; private set; } = [];
    public MonitorForm Form { get; private set; } = new();

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

    /// <summary>Adds a cron monitor (a crontab or an interval) or, with a URL, an uptime check, as the JSON API does.</summary>
    public async Task<IActionResult> OnPostAddAsync([FromForm] MonitorForm form, CancellationToken ct)
    {
        Form = form;
        if (!ModelState.IsValid)
        {
            // A field that is not a number is an error to show, not a default to act on.
            AddErrors = [.. ModelState.Where(e => e.Value?.Errors.Count > 0).Select(e => $"{e.Key}: {string.Join(" ", e.Value!.Errors.Select(x => x.ErrorMessage))}")];
        }
        else
        {
            var request = form.Request();
            var (monitor, errors, exists) = await MonitorsApi.AddAsync(request, catalog, ct);
            if (monitor is not null) return RedirectToPage(null, null, $"monitor-{monitor.Id}");
            AddErrors = exists ? [MonitorsApi.ExistsMessage(request)] : [.. errors!.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")];
        }
        await OnGetAsync(ct);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
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

/// <summary>The Monitors page's add form: blank fields take the API's defaults.</summary>
public sealed class MonitorForm
{
    public long ProjectId { get; set; }
    public string? Slug { get; set; }
    public string? Schedule { get; set; }
    public string? Timezone { get; set; }
    public long? IntervalSeconds { get; set; }
    public string? Url { get; set; }
    public int? CheckinMargin { get; set; }
    public int? MaxRuntime { get; set; }

    public MonitorRequest Request() => new(ProjectId, Slug ?? "", Blank(Schedule), IntervalSeconds ?? (Blank(Url) is null ? 0 : 60), Blank(Timezone),
        CheckinMargin ?? 1, MaxRuntime, Url: Blank(Url));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
