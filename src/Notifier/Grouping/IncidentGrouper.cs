using System.Data.Common;
using System.Text.Json;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Policy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// Folds accepted events into incidents and decides what is mailed, in one transaction:
/// an event is claimed exactly once, counted exactly once, and a first occurrence is seen by exactly one caller.
/// </summary>
public sealed class IncidentGrouper(
    IDbContextFactory<AlertsDbContext> factory,
    IOptionsMonitor<AlertsOptions> settings,
    IOptionsMonitor<AlertPolicyOptions> policy,
    TimeProvider clock,
    ILogger<IncidentGrouper> logger)
{
    private const long Claimed = -1; // marks events taken by this transaction; never visible after commit

    /// <summary>Groups the given events that are not grouped yet; returns the ids of notifications to send.</summary>
    public async Task<IReadOnlyList<long>> GroupAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        if (eventIds.Count == 0) return [];
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var transaction = tx.GetDbTransaction();

        var claimed = await ClaimAsync(transaction, eventIds, ct);
        if (claimed.Count == 0) return [];

        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var mailsInWindow = new ProjectMailCounter(transaction, policy.CurrentValue, now);
        var notifications = new List<Notification>();
        var groups = claimed
            .Select(e => (Event: e, Payload: Parse(e)))
            .GroupBy(x => (x.Event.ProjectId, Fingerprint: Fingerprinter.Compute(x.Event.Kind, x.Payload)))
            .ToList();
        foreach (var group in groups)
        {
            var items = group.ToList();
            var latest = items.MaxBy(x => x.Event.ReceivedAt);
            var incident = await UpsertIncidentAsync(transaction, group.Key.ProjectId, group.Key.Fingerprint, items, ct);
            await AssignAsync(transaction, incident.Id, [.. items.Select(x => x.Event.Id)], ct);

            // The state comes from the upsert, which holds the incident's row lock until commit:
            // a first occurrence or a regression is seen by exactly one transaction.
            var decision = AlertPolicy.Decide(new AlertContext(
                incident.Kind, incident.Status, incident.Count - items.Count, incident.Count, now,
                RecipientRouting.For(incident.Kind, incident.ProjectId, latest.Payload.Environment, options),
                incident.LastNotifiedAt, incident.LastNotifiedCount, incident.SnoozedUntil, incident.SnoozedUntilCount,
                await mailsInWindow.CountAsync(incident.ProjectId, ct), options.SendBrokenLinkEmails), policy.CurrentValue);
            await IncidentState.ApplyAsync(transaction, incident, decision, now, expectedLastNotifiedAt: null, ct);
            if (!decision.Record) continue;
            if (decision.Send) mailsInWindow.Add(incident.ProjectId);
            notifications.Add(AlertNotifications.For(incident, latest.Event.Id, latest.Payload, decision, options, now));
        }
        db.Notifications.AddRange(notifications);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogDebug("Grouped {Events} event(s) into {Incidents} incident(s)", claimed.Count, groups.Count);
        return [.. notifications.Where(n => n.Status == NotificationStatus.Pending).Select(n => n.Id)];
    }

    private static async Task<List<StoredEvent>> ClaimAsync(DbTransaction tx, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using var cmd = tx.CreateCommand();
        var list = cmd.AddListParameters("e", ids);
        cmd.AddParameter("@claimed", Claimed);
        cmd.CommandText = $"""
            UPDATE "Events" SET "IncidentId" = @claimed
            WHERE "Id" IN ({list}) AND "IncidentId" IS NULL
            RETURNING "Id", "ProjectId", "Kind", "ReceivedAt", "Payload"
            """;
        var events = new List<StoredEvent>(ids.Count);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new StoredEvent
            {
                Id = reader.GetString(0),
                ProjectId = reader.GetInt64(1),
                Kind = (EventKind)reader.GetInt32(2),
                ReceivedAt = DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc),
                Payload = reader.GetString(4),
            });
        }
        return events;
    }

    private static async Task<Incident> UpsertIncidentAsync(
        DbTransaction tx, long projectId, string fingerprint, List<(StoredEvent Event, EventPayload Payload)> items, CancellationToken ct)
    {
        var first = items.MinBy(x => x.Event.ReceivedAt);
        var last = items.MaxBy(x => x.Event.ReceivedAt);
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@project", projectId);
        cmd.AddParameter("@fingerprint", fingerprint);
        cmd.AddParameter("@kind", (int)first.Event.Kind);
        cmd.AddParameter("@title", IncidentTitle.For(first.Event.Kind, first.Payload));
        cmd.AddParameter("@count", (long)items.Count);
        cmd.AddParameter("@first", first.Event.ReceivedAt);
        cmd.AddParameter("@last", last.Event.ReceivedAt);
        cmd.AddParameter("@lastEvent", last.Event.Id);
        // Same statement on SQLite and PostgreSQL: the unique index makes concurrent first occurrences one row.
        cmd.CommandText = """
            INSERT INTO "Incidents" ("ProjectId", "Fingerprint", "Kind", "Title", "Status", "Count", "FirstSeen", "LastSeen", "LastEventId", "LastNotifiedCount")
            VALUES (@project, @fingerprint, @kind, @title, 0, @count, @first, @last, @lastEvent, 0)
            ON CONFLICT ("ProjectId", "Fingerprint") DO UPDATE SET
                "Count" = "Incidents"."Count" + excluded."Count",
                "LastEventId" = CASE WHEN excluded."LastSeen" >= "Incidents"."LastSeen" THEN excluded."LastEventId" ELSE "Incidents"."LastEventId" END,
                "LastSeen" = CASE WHEN excluded."LastSeen" > "Incidents"."LastSeen" THEN excluded."LastSeen" ELSE "Incidents"."LastSeen" END,
                "FirstSeen" = CASE WHEN excluded."FirstSeen" < "Incidents"."FirstSeen" THEN excluded."FirstSeen" ELSE "Incidents"."FirstSeen" END
            RETURNING "Id", "Count", "FirstSeen", "LastSeen", "Status", "Title",
                "LastNotifiedAt", "LastNotifiedCount", "SnoozedUntil", "SnoozedUntilCount"
            """;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("The incident upsert returned no row.");
        return new Incident
        {
            Id = reader.GetInt64(0),
            ProjectId = projectId,
            Fingerprint = fingerprint,
            Kind = first.Event.Kind,
            Count = reader.GetInt64(1),
            FirstSeen = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
            LastSeen = DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc),
            Status = (IncidentStatus)reader.GetInt32(4),
            Title = reader.GetString(5),
            LastNotifiedAt = reader.IsDBNull(6) ? null : DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
            LastNotifiedCount = reader.GetInt64(7),
            SnoozedUntil = reader.IsDBNull(8) ? null : DateTime.SpecifyKind(reader.GetDateTime(8), DateTimeKind.Utc),
            SnoozedUntilCount = reader.IsDBNull(9) ? null : reader.GetInt64(9),
        };
    }

    private static async Task AssignAsync(DbTransaction tx, long incidentId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using var cmd = tx.CreateCommand();
        var list = cmd.AddListParameters("e", ids);
        cmd.AddParameter("@incident", incidentId);
        cmd.CommandText = $"""UPDATE "Events" SET "IncidentId" = @incident WHERE "Id" IN ({list})""";
        await cmd.ExecuteNonQueryAsync(ct);
    }


    private static EventPayload Parse(StoredEvent e) =>
        JsonSerializer.Deserialize(e.Payload, EventJsonContext.Default.EventPayload) ?? new EventPayload();
}
