using Alerts.Core.Data;
using Alerts.Dashboard.Api;
using Alerts.Dashboard.Charts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>The incident list: filters, keyset pages, and a 24-hour sparkline per row drawn from the hourly counters.</summary>
public sealed class IndexModel(AlertsDbContext db, TimeProvider clock) : PageModel
{
    public const int SparklineHours = 24;

    public IncidentFilter Filter { get; private set; } = new();
    public IncidentPage Incidents { get; private set; } = new([], null);
    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public IReadOnlyDictionary<long, string> ProjectNames { get; private set; } = new Dictionary<long, string>();
    public ILookup<long, (DateTime Hour, long Count)> Hourly { get; private set; } = Array.Empty<(long, DateTime, long)>().ToLookup(x => x.Item1, x => (x.Item2, x.Item3));
    public DateTime Now { get; private set; }

    public bool HasProjects => ProjectNames.Keys.Any(id => id != ProjectSeeder.BuiltInProjectId);

    /// <summary>The key of the first project, for the empty state's curl line.</summary>
    public string? ExampleKey { get; private set; }
    public bool Filtered => Filter != new IncidentFilter();

    public string BaseUrl => $"{Request.Scheme}://{Request.Host}{Request.PathBase}";

    public async Task<IActionResult> OnGetAsync(string? status, string? kind, long? projectId, string? environment, string? q, string? sort,
        string? cursor, int? limit, CancellationToken ct)
    {
        ViewData["Title"] = "Incidents";
        Now = clock.GetUtcNow().UtcDateTime;
        ProjectNames = await db.Projects.OrderBy(p => p.Id).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        Filter = IncidentFilter.Parse(status, kind, projectId, environment, q, sort, cursor, limit, out var errors);
        if (errors.Count > 0)
        {
            Errors = errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Incidents = await IncidentList.QueryAsync(db, Filter, ct);
        Hourly = await OccurrenceChart.HourlyAsync(db, [.. Incidents.Items.Select(i => i.Id)], Now.AddHours(-SparklineHours), ct);
        if (Incidents.Items.Count == 0 && !Filtered)
            ExampleKey = await db.ProjectKeys.Where(k => k.RevokedAt == null && k.ProjectId != ProjectSeeder.BuiltInProjectId)
                .OrderBy(k => k.ProjectId).ThenBy(k => k.Id).Select(k => k.Key).FirstOrDefaultAsync(ct);
        return Page();
    }

    public IReadOnlyList<Bar> Sparkline(long incidentId) =>
        OccurrenceChart.Bars(OccurrenceChart.Buckets(Hourly[incidentId], Now, SparklineHours, TimeSpan.FromHours(1)), 96, 20);

    /// <summary>The list's address with this filter, at the page <paramref name="cursor"/> names (the first without one).</summary>
    public string Link(string? cursor = null) => Filter.Url("/", cursor);
}
