using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Dashboard.Api;
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
public sealed class IncidentModel(AlertsDbContext db, IgnoreRuleStore rules) : PageModel
{
    public long Id { get; private set; }
    public IncidentDetail? Detail { get; private set; }
    public string? ProjectName { get; private set; }
    public SampleEvent? Latest => Detail is { Samples: [var latest, ..] } ? latest : null;

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
        return Page();
    }

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

    public static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
