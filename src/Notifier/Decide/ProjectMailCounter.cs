using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Decide;

/// <summary>The project cap: mails already counted against each project in the current window, kept up to date within a batch.</summary>
internal sealed class ProjectMailCounter(AlertsDbContext db, AlertPolicyOptions policy, DateTime now)
{
    private readonly Dictionary<long, int> _stored = []; // in the database, as last read
    private readonly Dictionary<long, int> _added = []; // decided in this batch, written at its end
    private readonly HashSet<long> _locked = [];

    private async Task<int> CountAsync(long projectId, CancellationToken ct)
    {
        if (!_stored.TryGetValue(projectId, out var stored)) _stored[projectId] = stored = await QueryAsync(projectId, ct);
        return stored + _added.GetValueOrDefault(projectId);
    }

    /// <summary>
    /// Locks the project's row until commit (a no-op update of a non-key column, the same SQL on SQLite and
    /// PostgreSQL) and counts again: concurrent notifiers take places under the cap one at a time. Taken only for a
    /// mail, so rarely contended; the rare deadlock with another batch is resolved by the consumer's retry.
    /// </summary>
    private async Task<int> LockAsync(long projectId, CancellationToken ct)
    {
        if (_locked.Add(projectId))
        {
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Name, p => p.Name), ct);
            _stored[projectId] = await QueryAsync(projectId, ct); // a fresh snapshot, after whoever held the lock committed
        }
        return await CountAsync(projectId, ct);
    }

    public void Add(long projectId) => _added[projectId] = _added.GetValueOrDefault(projectId) + 1;

    /// <summary>
    /// Decides with the project's mail count; a mail takes a place under the cap, so it is decided again with the
    /// count taken under the project's lock, and two notifiers cannot both take the last place.
    /// </summary>
    public async Task<AlertDecision> DecideAsync(long projectId, Func<int, AlertDecision> decide, CancellationToken ct)
    {
        var before = await CountAsync(projectId, ct);
        var decision = decide(before);
        if (!decision.Send) return decision;
        var exact = await LockAsync(projectId, ct);
        return exact == before ? decision : decide(exact);
    }

    private Task<int> QueryAsync(long projectId, CancellationToken ct)
    {
        var since = now.AddMinutes(-policy.ProjectCapWindowMinutes);
        return db.Notifications.CountAsync(n => n.ProjectId == projectId && n.CreatedAt >= since && n.Status != NotificationStatus.Skipped, ct);
    }
}
