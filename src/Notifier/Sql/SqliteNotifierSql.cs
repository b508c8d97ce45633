using System.Text.Json;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Notifier.Grouping;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Sql;

/// <summary>SQLite: one writer, so a transaction's reads already claim; lists travel as one JSON parameter.</summary>
internal sealed class SqliteNotifierSql : NotifierSql
{
    // SQLite's transaction holds the database's one write lock from its BEGIN IMMEDIATE: no one can take these events
    // before it commits, so reading them claims them, and each row is written once more: assigned or deleted.
    internal override async Task<List<ClaimedEvent>> ClaimAsync(AlertsDbContext db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var rows = await db.Events
            .Where(e => ids.Contains(e.Id) && e.IncidentId == null)
            .Select(e => new ClaimedRow
            {
                Id = e.Id, ProjectId = e.ProjectId, Kind = e.Kind, ReceivedAt = e.ReceivedAt, Fingerprint = e.Fingerprint,
            })
            .ToListAsync(ct);
        return [.. rows.Select(r => r.ToEvent())];
    }

    internal override Task<List<long>> LeaseAsync(AlertsDbContext db, IReadOnlyList<long>? ids, DateTime now, DateTime until, int limit, CancellationToken ct)
    {
        var only = ids is null ? null : JsonSerializer.Serialize(ids);
        return db.Database.SqlQuery<long>($"""
            UPDATE "Notifications" SET "LeasedUntil" = {until}
            WHERE "Id" IN (
                SELECT "Id" FROM "Notifications"
                WHERE "Status" = {(int)NotificationStatus.Pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
                  AND ({only} IS NULL OR "Id" IN (SELECT "value" FROM json_each({only})))
                ORDER BY "Id" LIMIT {limit})
              AND "Status" = {(int)NotificationStatus.Pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
            RETURNING "Id" AS "Value"
            """).ToListAsync(ct);
    }
}
