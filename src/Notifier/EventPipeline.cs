using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Observability;
using Alerts.Notifier.Decide;
using Alerts.Notifier.Grouping;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Alerts.Notifier;

/// <summary>
/// Group then Decide, in one transaction: an event is claimed and counted exactly once, and a first occurrence is seen
/// (and mailed) by exactly one caller. Returns the ids of the notifications to send.
/// </summary>
public sealed class EventPipeline(
    IDbContextFactory<AlertsDbContext> factory,
    WriteGate gate,
    IncidentGrouper grouper,
    OccurrenceDecider decider,
    TimeProvider clock,
    ILogger<EventPipeline> logger)
{
    public async Task<IReadOnlyList<long>> GroupAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        if (eventIds.Count == 0) return [];
        using var turn = await gate.EnterAsync(Timeout.InfiniteTimeSpan, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var grouped = await grouper.GroupAsync(db, eventIds, ct);
        if (grouped.Count == 0) return [];
        var notifications = await decider.DecideAsync(db, grouped, ct);
        db.Notifications.AddRange(notifications);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var occurrences = grouped.SelectMany(g => g.Reported.Concat(g.HeldBack)).ToList();
        AlertsMetrics.EventsGrouped(occurrences.Select(o => o.Event.ReceivedAt), clock.GetUtcNow().UtcDateTime);
        logger.LogDebug("Grouped {Events} event(s) into {Incidents} incident(s)", occurrences.Count, grouped.Count);
        return [.. notifications.Where(n => n.Status == NotificationStatus.Pending).Select(n => n.Id)];
    }
}
