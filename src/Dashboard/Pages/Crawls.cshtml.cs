using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>The link crawler's reports, the latest first; a running crawl shows its progress.</summary>
public sealed class CrawlsModel(AlertsDbContext db) : PageModel
{
    public const int Shown = 100;

    public IReadOnlyList<CrawlRun> Runs { get; private set; } = [];

    public bool AnyRunning => Runs.Any(r => r.Status == CrawlRunStatus.Running);

    public async Task OnGetAsync(CancellationToken ct)
    {
        ViewData["Title"] = "Link crawls";
        Runs = await LatestAsync(db, null, Shown, ct);
    }

    /// <summary>The latest runs (of one site, when given): the page's and <c>alerts crawl status</c>'s one query.</summary>
    public static async Task<List<CrawlRun>> LatestAsync(AlertsDbContext db, string? siteId, int limit, CancellationToken ct) =>
        await db.CrawlRuns.AsNoTracking()
            .Where(r => siteId == null || r.SiteId == siteId)
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Take(limit).ToListAsync(ct);

    /// <summary>How long it ran, or has been running: "42 s", "3 min 5 s".</summary>
    public static string Duration(CrawlRun run)
    {
        var d = (run.FinishedAt ?? run.UpdatedAt) - run.StartedAt;
        return d.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min {d.Seconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.#} s");
    }

    public static string StatusText(CrawlRunStatus status) => status switch
    {
        CrawlRunStatus.Running => "running",
        CrawlRunStatus.Completed => "completed",
        CrawlRunStatus.BudgetReached => "page budget reached",
        CrawlRunStatus.Cancelled => "cancelled",
        CrawlRunStatus.Failed => "failed",
        _ => "abandoned",
    };
}
