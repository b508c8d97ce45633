using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Core.Data;

/// <summary>A project's ADMINS and MANAGERS as set in the Dashboard; null inherits the configuration.</summary>
public sealed record StoredRecipients(IReadOnlyList<Recipient>? Admins, IReadOnlyList<Recipient>? Managers);

/// <summary>The recipients set in the Dashboard (<c>Projects.Admins/Managers</c>); grouping reads them through a short-lived cache.</summary>
public sealed class ProjectRecipientStore(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    private readonly SnapshotCache<IReadOnlyDictionary<long, StoredRecipients>> _cache = new(clock);

    /// <summary>Each project's stored recipients, as of now; null for a project that inherits the configuration.</summary>
    public async Task<Func<long, StoredRecipients?>> CurrentAsync(CancellationToken ct)
    {
        var byProject = await _cache.GetAsync(LoadAsync, ct);
        return projectId => byProject.GetValueOrDefault(projectId);
    }

    private async Task<IReadOnlyDictionary<long, StoredRecipients>> LoadAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Projects.Where(p => p.Admins != null || p.Managers != null)
            .Select(p => new { p.Id, p.Admins, p.Managers }).ToListAsync(ct);
        // Checked when saved; a line edited by hand into something invalid is skipped, not fatal.
        return rows.ToDictionary(r => r.Id,
            r => new StoredRecipients(RecipientList.Parse(r.Admins, out _), RecipientList.Parse(r.Managers, out _)));
    }

    /// <summary>Stores a project's lists (null: inherit); false when there is no such project.</summary>
    public async Task<bool> SaveAsync(long projectId, IReadOnlyList<Recipient>? admins, IReadOnlyList<Recipient>? managers, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.Admins, RecipientList.Format(admins))
            .SetProperty(p => p.Managers, RecipientList.Format(managers)), ct);
        _cache.Invalidate();
        return changed > 0;
    }
}
