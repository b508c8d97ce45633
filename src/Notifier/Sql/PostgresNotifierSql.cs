using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Notifier.Grouping;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Sql;

/// <summary>PostgreSQL: several notifiers group at once, so a claim is a conditional update; lists travel as arrays.</summary>
internal sealed class PostgresNotifierSql : NotifierSql
{
    private const long Claimed = -1; // marks events taken by this transaction; never visible after commit

    internal override async Task<List<ClaimedEvent>> ClaimAsync(AlertsDbContext db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<ClaimedRow>($"""
            UPDATE "Events" SET "IncidentId" = {Claimed}
            WHERE "Id" = ANY({ids.ToArray()}) AND "IncidentId" IS NULL
            RETURNING "Id", "ProjectId", "Kind", "ReceivedAt", "Fingerprint"
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
