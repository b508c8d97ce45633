using Alerts.Core;
using Alerts.Core.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>Projects with their DSNs: what a developer copies into an app's Sentry SDK or native client.</summary>
public sealed class ProjectsModel(AlertsDbContext db) : PageModel
{
    public sealed record ProjectRow(long Id, string Name, IReadOnlyList<string> Keys);

    public IReadOnlyList<ProjectRow> Projects { get; private set; } = [];

    /// <summary>The address this Dashboard was reached at; the collector answers on the same host in the embedded default.</summary>
    public string BaseUrl => $"{Request.Scheme}://{Request.Host}{Request.PathBase}";

    public string Dsn(string key, long projectId) => ProjectKeyFormat.Dsn(BaseUrl, key, projectId);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var projects = await db.Projects.Include(p => p.Keys).Where(p => p.Id != ProjectSeeder.BuiltInProjectId).OrderBy(p => p.Id).ToListAsync(ct);
        Projects = [.. projects.Select(p => new ProjectRow(p.Id, p.Name, [.. p.Keys.Where(k => k.RevokedAt == null).Select(k => k.Key)]))];
    }
}
