using Microsoft.EntityFrameworkCore;

namespace Alerts.Core.Data;

/// <summary>
/// Every project's name as stored (made by <c>alerts projects add</c>, the Dashboard, or <c>Alerts:Projects</c>), for
/// mails and their List-Id; read through a short-lived cache.
/// </summary>
public sealed class ProjectNameStore(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    private readonly SnapshotCache<IReadOnlyDictionary<long, string>> _cache = new(clock);

    /// <summary>The project's name; null for a project not stored. A project made since the cache was read is read at once.</summary>
    public async ValueTask<string?> NameOfAsync(long projectId, CancellationToken ct)
    {
        if ((await _cache.GetAsync(LoadAsync, ct)).TryGetValue(projectId, out var name)) return name;
        _cache.Invalidate();
        return (await _cache.GetAsync(LoadAsync, ct)).GetValueOrDefault(projectId);
    }

    private async Task<IReadOnlyDictionary<long, string>> LoadAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Projects.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, ct);
    }
}
