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
}
