using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Core.Data;

/// <summary>Making projects and keys, the same from <c>alerts projects add</c> and the Dashboard.</summary>
public static class ProjectCatalog
{
    /// <summary>A new project, numbered after the highest id (Sentry DSNs need a number), with one new key.</summary>
    public static async Task<(Project Project, string Key)> AddAsync(AlertsDbContext db, string name, DateTime now, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A project needs a name.", nameof(name));
        var id = (await db.Projects.MaxAsync(p => (long?)p.Id, ct) ?? 0) + 1;
        var key = ProjectKeyFormat.New();
        var project = new Project { Id = id, Name = name.Trim(), CreatedAt = now, Keys = [new ProjectKey { Key = key, CreatedAt = now }] };
        db.Projects.Add(project);
        await db.SaveChangesAsync(ct);
        return (project, key);
    }

    /// <summary>The project with this id, or else the one with this name (null when none or several have it).</summary>
    public static async Task<Project?> FindAsync(AlertsDbContext db, string idOrName, CancellationToken ct)
    {
        if (long.TryParse(idOrName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            return await db.Projects.AsTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        var named = await db.Projects.AsTracking().Where(p => p.Name == idOrName).Take(2).ToListAsync(ct);
        return named.Count == 1 ? named[0] : null;
    }

    /// <summary>Deletes a project with everything recorded for it: keys, incidents, events, mails, counters, ignore rules.</summary>
    public static async Task DeleteAsync(AlertsDbContext db, long projectId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var incidents = db.Incidents.Where(i => i.ProjectId == projectId).Select(i => i.Id);
        await db.Notifications.Where(n => n.ProjectId == projectId).ExecuteDeleteAsync(ct);
        await db.Events.Where(e => e.ProjectId == projectId).ExecuteDeleteAsync(ct);
        await db.BrokenLinkReferrers.Where(r => incidents.Contains(r.IncidentId)).ExecuteDeleteAsync(ct);
        await db.IncidentHourlyCounts.Where(c => incidents.Contains(c.IncidentId)).ExecuteDeleteAsync(ct);
        await db.Incidents.Where(i => i.ProjectId == projectId).ExecuteDeleteAsync(ct);
        await db.IgnoreRules.Where(r => r.ProjectId == projectId).ExecuteDeleteAsync(ct);
        await db.ProjectKeys.Where(k => k.ProjectId == projectId).ExecuteDeleteAsync(ct);
        await db.Projects.Where(p => p.Id == projectId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
