using Alerts.Core.Domain;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Data;

/// <summary>Makes the projects named in <c>Alerts:Projects</c> exist, with their keys, at start-up.</summary>
public sealed class ProjectSeeder(IDbContextFactory<AlertsDbContext> factory, IOptions<AlertsOptions> options, TimeProvider clock)
{
    public const long BuiltInProjectId = 0;
    public const string BuiltInProjectName = "Alerts (self-monitoring)";

    public async Task SeedAsync(CancellationToken ct)
    {
        var configured = options.Value.Projects;
        await using var db = await factory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        // Project 0 holds Alerts' own failures (self-monitoring); it has no key, nothing can post to it.
        if (!await db.Projects.AnyAsync(p => p.Id == BuiltInProjectId, ct))
            db.Projects.Add(new Project { Id = BuiltInProjectId, Name = BuiltInProjectName, CreatedAt = now });
        foreach (var p in configured)
        {
            var project = await db.Projects.AsTracking().FirstOrDefaultAsync(x => x.Id == p.Id, ct);
            if (project is null) db.Projects.Add(project = new Project { Id = p.Id, Name = p.Name, CreatedAt = now });
            else project.Name = p.Name;

            var key = await db.ProjectKeys.AsTracking().FirstOrDefaultAsync(k => k.Key == p.Key, ct);
            if (key is null) db.ProjectKeys.Add(new ProjectKey { ProjectId = p.Id, Key = p.Key, CreatedAt = now });
            else if (key.ProjectId != p.Id)
                throw new InvalidOperationException($"Alerts:Projects: the key of project {p.Id} already belongs to project {key.ProjectId}.");
            else key.RevokedAt = null;
        }
        await db.SaveChangesAsync(ct);
    }
}
