using System.Collections.Concurrent;
using Alerts.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Keys;

/// <summary>Maps a project key to its project, cached briefly so the hot path rarely reads the database.</summary>
public sealed class ProjectKeyResolver(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    // Short enough that a revoked key stops working quickly, long enough to keep lookups off the hot path.
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (long? ProjectId, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<long?> ResolveAsync(string key, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var hit) && hit.Expires > now)
            return hit.ProjectId;

        await using var db = await factory.CreateDbContextAsync(ct);
        var projectId = await db.ProjectKeys
            .Where(k => k.Key == key && k.RevokedAt == null)
            .Select(k => (long?)k.ProjectId)
            .FirstOrDefaultAsync(ct);
        if (_cache.Count > 10_000) _cache.Clear(); // bounded: a stream of random keys cannot grow memory
        _cache[key] = (projectId, now + Ttl);
        return projectId;
    }
}
