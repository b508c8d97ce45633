using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Dashboard.Api;
using Alerts.Dashboard.Charts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>
/// One incident: what broke (the latest sample), the pages linking to a broken link, and every mail decided about it,
/// sent or held back, and why; a broken link can be turned into an ignore rule from here.
/// </summary>
public sealed class IncidentModel(AlertsDbContext db, IgnoreRuleStore rules, TimeProvider clock) : PageModel
{
    public const int HistogramHours = 48;
    public const int HistogramDays = 30;

    public long Id { get; private set; }
    public IncidentDetail? Detail { get; private set; }
    public string? ProjectName { get; private set; }
    public SampleEvent? Latest => Detail is { Samples: [var latest, ..] } ? latest : null;
    public IReadOnlyList<Bar> HourlyBars { get; private set; } = [];
    public IReadOnlyList<Bar> DailyBars { get; private set; } = [];

    /// <summary>The rule "Ignore URLs like this" would store, for a broken link whose URL is known.</summary>
    public string? IgnorePattern =>
        Detail?.Incident.Kind == EventKinds.BrokenLink && Latest?.Event.Request?.Url is { } url ? BrokenLinkRules.IgnorePatternFor(url) : null;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        Id = id;
        // The JSON API's query, so the page and GET /api/v1/incidents/{id} never disagree.
        if (await IncidentsApi.GetIncident(id, db, ct) is not { Result: Ok<IncidentDetail> { Value: { } detail } })
        {
            // A friendly page with a real 404 status, not a bare empty response.
            Response.StatusCode = StatusCodes.Status404NotFound;
            ViewData["Title"] = "Incident not found";
            return Page();
        }
        Detail = detail;
        ProjectName = await db.Projects.Where(p => p.Id == detail.Incident.ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        ViewData["Title"] = detail.Incident.Title;
        var now = clock.GetUtcNow().UtcDateTime;
        var hourly = (await OccurrenceChart.HourlyAsync(db, [id], now.AddDays(-HistogramDays), ct))[id].ToList();
        HourlyBars = OccurrenceChart.Bars(OccurrenceChart.Buckets(hourly, now, HistogramHours, TimeSpan.FromHours(1)), 480, 80);
        DailyBars = OccurrenceChart.Bars(OccurrenceChart.Buckets(hourly, now, HistogramDays, TimeSpan.FromDays(1)), 480, 80);
        return Page();
    }

    /// <summary>The actions' forms post here and use the JSON API's handlers, so page and API change state alike.</summary>
    public Task<IActionResult> OnPostResolveAsync(long id, CancellationToken ct) => StatusAsync(id, IncidentStatus.Resolved, ct);
    public Task<IActionResult> OnPostReopenAsync(long id, CancellationToken ct) => StatusAsync(id, IncidentStatus.Open, ct);
    public Task<IActionResult> OnPostIgnoreAsync(long id, CancellationToken ct) => StatusAsync(id, IncidentStatus.Ignored, ct);

    public async Task<IActionResult> OnPostSnoozeAsync(long id, int? minutes, long? occurrences, CancellationToken ct) =>
        (await IncidentsApi.Snooze(id, new SnoozeRequest(minutes, occurrences), db, clock, ct)).Result switch
        {
            Ok<IncidentSummary> => RedirectToPage(new { id }),
            Microsoft.AspNetCore.Http.HttpResults.NotFound => NotFound(),
            _ => BadRequest(),
        };

    private async Task<IActionResult> StatusAsync(long id, IncidentStatus status, CancellationToken ct) =>
        (await IncidentsApi.SetStatus(id, status, db, clock, ct)).Result is Ok<IncidentSummary> ? RedirectToPage(new { id }) : NotFound();

    /// <summary>The form's action: the JSON API's, so the page and POST /api/v1/incidents/{id}/ignore-urls do the same.</summary>
    public async Task<IActionResult> OnPostIgnoreUrlsAsync(long id, CancellationToken ct) =>
        (await IncidentsApi.IgnoreUrlsLikeThis(id, User, db, rules, ct)).Result switch
        {
            Ok<IgnoreRuleEntry> => RedirectToPage(new { id }),
            Microsoft.AspNetCore.Http.HttpResults.NotFound => NotFound(),
            _ => BadRequest(),
        };

    /// <summary>The words a reader expects: a skipped row is a mail the policy held back.</summary>
    public static string StatusLabel(string status) => status == Names.Of(NotificationStatus.Skipped) ? "held back" : status;

    /// <summary>Where a frame is, as a Python traceback says it: <c>shop/views.py, line 42, in order_detail</c>.</summary>
    public static string Location(FrameInfo f)
    {
        var at = f.Filename ?? f.Module ?? "?";
        if (f.Lineno is { } line) at += string.Create(CultureInfo.InvariantCulture, $", line {line}");
        return f.Function is null ? at : $"{at}, in {f.Function}";
    }

    /// <summary>The exception chain as Python prints it: the causes, oldest first, then the exception raised.</summary>
    public static IEnumerable<ExceptionInfo> Chain(EventPayload e) => [.. e.Causes ?? [], .. e.Exception is { } ex ? [ex] : Array.Empty<ExceptionInfo>()];

    /// <summary>Who hit it, as the app reported the user: e-mail, username or id, then the IP address.</summary>
    public static string UserOf(EventPayload e)
    {
        if (e.User is not { } user) return "";
        foreach (var key in (string[])["email", "username", "id", "ip_address"])
            if (user.TryGetValue(key, out var v) && v.ValueKind is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number)
                return v.ToString();
        return "";
    }

    public static string SnoozeUntil(IncidentSummary i) => (i.SnoozedUntil, i.SnoozedUntilCount) switch
    {
        ({ } t, { } n) => string.Create(CultureInfo.InvariantCulture, $"until {Utc(t)} or {n} occurrences"),
        ({ } t, null) => $"until {Utc(t)}",
        (null, { } n) => string.Create(CultureInfo.InvariantCulture, $"until {n} occurrences"),
        _ => "",
    };

    public static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
