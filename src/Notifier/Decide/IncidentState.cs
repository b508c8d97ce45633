using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Decide;

/// <summary>Writes a decision's effect on its incident: the status, and the cooldown's clock when a mail was recorded.</summary>
internal static class IncidentState
{
    /// <summary>
    /// Applies the decision; with <paramref name="expectedLastNotifiedAt"/> the update is conditional on nobody
    /// having decided since (two notifiers sweeping the same incident: one wins). Returns whether it applied.
    /// </summary>
    public static async Task<bool> ApplyAsync(AlertsDbContext db, Incident incident, AlertDecision decision, DateTime now,
        DateTime? expectedLastNotifiedAt, CancellationToken ct)
    {
        if (!decision.Record && decision.Status == incident.Status && expectedLastNotifiedAt is null) return true;
        var row = db.Incidents.Where(i => i.Id == incident.Id);
        if (expectedLastNotifiedAt is { } expected) row = row.Where(i => i.LastNotifiedAt == expected);
        var count = incident.ReportedCount; // occurrences a rule held back never earn a follow-up
        return await row.ExecuteUpdateAsync(s =>
        {
            s.SetProperty(i => i.Status, decision.Status);
            if (decision.Status != IncidentStatus.Resolved) s.SetProperty(i => i.ResolvedAt, (DateTime?)null);
            if (decision.Status != IncidentStatus.Snoozed)
            {
                s.SetProperty(i => i.SnoozedUntil, (DateTime?)null);
                s.SetProperty(i => i.SnoozedUntilCount, (long?)null);
            }
            if (decision.Record)
            {
                s.SetProperty(i => i.LastNotifiedAt, now);
                s.SetProperty(i => i.LastNotifiedCount, count);
            }
        }, ct) == 1;
    }
}
