namespace Alerts.Core.Data;

/// <summary>
/// A value read from the database that grouping needs on every batch: kept for <see cref="Lifetime"/>, so a change
/// made in this process is seen at once (<see cref="Invalidate"/>) and one made by another process within the lifetime.
/// </summary>
public sealed class SnapshotCache<T>(TimeProvider clock) where T : class
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    private sealed record Snapshot(DateTime LoadedAt, T Value);

    private volatile Snapshot? _snapshot;

    public async ValueTask<T> GetAsync(Func<CancellationToken, Task<T>> load, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_snapshot is { } cached && now - cached.LoadedAt < Lifetime) return cached.Value;
        var value = await load(ct);
        _snapshot = new Snapshot(now, value);
        return value;
    }

    public void Invalidate() => _snapshot = null;
}
