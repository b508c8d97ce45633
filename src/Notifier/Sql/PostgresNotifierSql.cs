using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Notifier.Grouping;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Sql;

/// <summary>PostgreSQL: several notifiers group at once, so a claim locks its events; lists travel as arrays.</summary>
internal sealed class PostgresNotifierSql : NotifierSql
{
    // A row lock, not a write: each event row is written once more (assigned or deleted) before the commit, and a
    // notifier given the same ids (a sweep's republish) skips the locked ones instead of queuing behind their transaction.
    // Once it commits, the rows are assigned or gone, so no later claim takes them again. Grouped rows are filtered
    // before the lock (a republished sample stays free for the transaction that prunes it, which holds its incident's
    // row: locking it could deadlock the two), written so the planner finds rows by id alone: given "IncidentId" IS NULL,
    // it also read the ungrouped index, whose entries of rows gone meanwhile made the claim take 10 ms under a flood.
    internal override async Task<List<ClaimedEvent>> ClaimAsync(AlertsDbContext db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<ClaimedRow>($"""
            SELECT "Id", "ProjectId", "Kind", "ReceivedAt", "Fingerprint" FROM "Events"
            WHERE "Id" = ANY({ids.ToArray()}) AND COALESCE("IncidentId", 0) = 0
            ORDER BY "Id"
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        return [.. rows.Select(r => r.ToEvent())];
    }

    internal override Task<List<long>> LeaseAsync(AlertsDbContext db, IReadOnlyList<long>? ids, DateTime now, DateTime until, int limit, CancellationToken ct) =>
        db.Database.SqlQuery<long>($"""
            UPDATE "Notifications" SET "LeasedUntil" = {until}
            WHERE "Id" IN (
                SELECT "Id" FROM "Notifications"
                WHERE "Status" = {(int)NotificationStatus.Pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
                  AND ({ids is null} OR "Id" = ANY({(ids ?? []).ToArray()}))
                ORDER BY "Id" LIMIT {limit})
              AND "Status" = {(int)NotificationStatus.Pending} AND "NextAttemptAt" <= {now} AND ("LeasedUntil" IS NULL OR "LeasedUntil" < {now})
            RETURNING "Id" AS "Value"
            """).ToListAsync(ct);
}
