using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Dashboard.Pages;

/// <summary>
/// Projects: their keys (rotate: a new key beside the old one until the old one is revoked, so apps move over
/// without losing events), DSNs and native-API lines, recipients set here, and their ignore rules.
/// </summary>
public sealed class ProjectsModel(AlertsDbContext db, IgnoreRuleStore rules, ProjectRecipientStore recipients, IOptions<AlertsOptions> options,
    TimeProvider clock) : PageModel
{
    public sealed record ProjectRow(Project Project, IReadOnlyList<ProjectKey> Keys, IReadOnlyList<IgnoreRule> Rules)
    {
        public IEnumerable<ProjectKey> ActiveKeys => Keys.Where(k => k.RevokedAt == null);
    }

    public IReadOnlyList<ProjectRow> Projects { get; private set; } = [];

    /// <summary>A form's complaint, shown above the project it is about (0: the new-project form).</summary>
    public string? Error { get; private set; }
    public long? ErrorProjectId { get; private set; }

    /// <summary><c>Alerts:BaseUrl</c>, else the address this Dashboard was reached at (the collector answers on the same host in the embedded default).</summary>
    public string BaseUrl => options.Value.PublicBaseUrl ?? $"{Request.Scheme}://{Request.Host}{Request.PathBase}";

    public string Dsn(string key, long projectId) => ProjectKeyFormat.Dsn(BaseUrl, key, projectId);

    /// <summary>A native-API test event a developer can paste into a shell.</summary>
    public string Curl(string key) =>
        $"curl -X POST {BaseUrl}/api/v1/events -H 'X-Alerts-Key: {key}' -H 'Content-Type: application/json' "
        + """-d '{"kind":"error","message":"Test event","exception":{"type":"TestError","value":"it works"}}'""";

    /// <summary>Keys from <c>Alerts:Projects</c> come back at every start: configuration is their source.</summary>
    public bool Configured(ProjectKey key) => options.Value.Projects.Any(p => p.Key == key.Key);

    public async Task OnGetAsync(CancellationToken ct)
    {
        ViewData["Title"] = "Projects";
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200)
            return await FailAsync(0, "A project needs a name of at most 200 characters.", ct);
        var (project, _) = await ProjectCatalog.AddAsync(db, name, clock.GetUtcNow().UtcDateTime, ct);
        return Redirect($"/projects#project-{project.Id}");
    }

    /// <summary>A new key beside the current ones; the old key keeps working until it is revoked.</summary>
    public async Task<IActionResult> OnPostRotateAsync(long projectId, CancellationToken ct)
    {
        if (projectId == ProjectSeeder.BuiltInProjectId || !await db.Projects.AnyAsync(p => p.Id == projectId, ct)) return NotFound();
        db.ProjectKeys.Add(new ProjectKey { ProjectId = projectId, Key = ProjectKeyFormat.New(), CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return Redirect($"/projects#project-{projectId}");
    }

    public async Task<IActionResult> OnPostRevokeAsync(long keyId, CancellationToken ct)
    {
        var key = await db.ProjectKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.RevokedAt == null, ct);
        if (key is null) return NotFound();
        if (!await db.ProjectKeys.AnyAsync(k => k.ProjectId == key.ProjectId && k.Id != keyId && k.RevokedAt == null, ct))
            return await FailAsync(key.ProjectId, "This is the project's only key: make a new one first, so its apps can move over.", ct);
        await db.ProjectKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, clock.GetUtcNow().UtcDateTime), ct);
        return Redirect($"/projects#project-{key.ProjectId}");
    }

    /// <summary>Stores the project's ADMINS and MANAGERS; a blank list inherits the configuration.</summary>
    public async Task<IActionResult> OnPostRecipientsAsync(long projectId, string? admins, string? managers, CancellationToken ct)
    {
        var adminList = RecipientList.Parse(admins, out var adminErrors);
        var managerList = RecipientList.Parse(managers, out var managerErrors);
        if (adminErrors.Count + managerErrors.Count > 0)
            return await FailAsync(projectId, string.Join(" ", adminErrors.Select(e => $"Admins: {e}").Concat(managerErrors.Select(e => $"Managers: {e}"))), ct);
        return await recipients.SaveAsync(projectId, adminList, managerList, ct) ? Redirect($"/projects#project-{projectId}") : NotFound();
    }

    private async Task<IActionResult> FailAsync(long projectId, string error, CancellationToken ct)
    {
        Error = error;
        ErrorProjectId = projectId;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        ViewData["Title"] = "Projects";
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var projects = await db.Projects.Include(p => p.Keys).Where(p => p.Id != ProjectSeeder.BuiltInProjectId).OrderBy(p => p.Id).ToListAsync(ct);
        var byProject = (await rules.ListAsync(ct)).ToLookup(r => r.ProjectId);
        Projects = [.. projects.Select(p => new ProjectRow(p, [.. p.Keys.OrderBy(k => k.Id)], [.. byProject[p.Id]]))];
    }
}
