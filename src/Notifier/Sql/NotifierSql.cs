using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Grouping;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Sql;

/// <summary>
/// The Notifier's raw SQL: only what EF Core cannot say (statements that update and return rows, ON CONFLICT upserts),
/// mapped by column name through EF's <c>FromSql</c>/<c>SqlQuery</c>. One subclass per provider, chosen once from
/// <c>Alerts:Database:Provider</c>; the upserts read the same on SQLite and PostgreSQL, so they live here.
/// </summary>
public abstract class NotifierSql
{
    public static NotifierSql For(DatabaseProvider provider) =>
        provider == DatabaseProvider.Postgres ? new PostgresNotifierSql() : new SqliteNotifierSql();

    /// <summary>Takes the events not grouped yet, in the caller's transaction: no other transaction gets them.</summary>
    internal abstract Task<List<ClaimedEvent>> ClaimAsync(AlertsDbContext db, IReadOnlyList<string> ids, CancellationToken ct);

    /// <summary>Leases up to <paramref name="limit"/> due outbox rows (of <paramref name="ids"/> when given); returns their ids.</summary>
    internal abstract Task<List<long>> LeaseAsync(AlertsDbContext db, IReadOnlyList<long>? ids, DateTime now, DateTime until, int limit, CancellationToken ct);

    /// <summary>
    /// Adds a group of occurrences to its incident, creating it on the first: the unique index makes concurrent first
    /// occurrences one row, and the row stays locked until commit, so its state after this is seen by one transaction.
    /// </summary>
    internal static async Task<Incident> UpsertIncidentAsync(AlertsDbContext db, IncidentUpsert u, CancellationToken ct)
    {
        // The update first: an insert that meets the conflict still takes an id from the sequence, and ids a person reads stay dense.
        var rows = await db.Incidents.FromSql($"""
            UPDATE "Incidents" SET
                "Count" = "Count" + {u.Count},
                "IgnoredCount" = "IgnoredCount" + {u.HeldBack},
                "LastEventId" = CASE WHEN {u.LastSeen} >= "LastSeen" THEN {u.LastEventId} ELSE "LastEventId" END,
                "LastSeen" = CASE WHEN {u.LastSeen} > "LastSeen" THEN {u.LastSeen} ELSE "LastSeen" END,
                "FirstSeen" = CASE WHEN {u.FirstSeen} < "FirstSeen" THEN {u.FirstSeen} ELSE "FirstSeen" END
            WHERE "ProjectId" = {u.ProjectId} AND "Fingerprint" = {u.Fingerprint}
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        if (rows.Count == 1) return rows[0];
        // A new incident; another notifier may insert it meanwhile, so the insert still folds into its row.
        rows = await db.Incidents.FromSql($"""
            INSERT INTO "Incidents" ("ProjectId", "Fingerprint", "Kind", "Title", "Status", "Count", "FirstSeen", "LastSeen", "LastEventId", "LastNotifiedCount", "IgnoredCount")
            VALUES ({u.ProjectId}, {u.Fingerprint}, {(int)u.Kind}, {u.Title}, {(int)IncidentStatus.Open}, {u.Count}, {u.FirstSeen}, {u.LastSeen}, {u.LastEventId}, 0, {u.HeldBack})
            ON CONFLICT ("ProjectId", "Fingerprint") DO UPDATE SET
                "Count" = "Incidents"."Count" + excluded."Count",
                "IgnoredCount" = "Incidents"."IgnoredCount" + excluded."IgnoredCount",
                "LastEventId" = CASE WHEN excluded."LastSeen" >= "Incidents"."LastSeen" THEN excluded."LastEventId" ELSE "Incidents"."LastEventId" END,
                "LastSeen" = CASE WHEN excluded."LastSeen" > "Incidents"."LastSeen" THEN excluded."LastSeen" ELSE "Incidents"."LastSeen" END,
                "FirstSeen" = CASE WHEN excluded."FirstSeen" < "Incidents"."FirstSeen" THEN excluded."FirstSeen" ELSE "Incidents"."FirstSeen" END
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        return rows.Count == 1 ? rows[0] : throw new InvalidOperationException("The incident upsert returned no row.");
    }

    /// <summary>Counts occurrences in an hour of an incident, exactly: what charts are drawn from.</summary>
    internal static Task UpsertHourlyCountAsync(AlertsDbContext db, long incidentId, DateTime hour, long count, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO "IncidentHourlyCounts" ("IncidentId", "Hour", "Count") VALUES ({incidentId}, {hour}, {count})
            ON CONFLICT ("IncidentId", "Hour") DO UPDATE SET "Count" = "IncidentHourlyCounts"."Count" + excluded."Count"
            """, ct);

    /// <summary>Counts the page that links to a broken target; the incident's row lock orders concurrent batches.</summary>
    internal static Task UpsertReferrerAsync(AlertsDbContext db, long incidentId, string referrer, long count, DateTime first, DateTime last, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO "BrokenLinkReferrers" ("IncidentId", "Referrer", "Count", "FirstSeen", "LastSeen")
            VALUES ({incidentId}, {referrer}, {count}, {first}, {last})
            ON CONFLICT ("IncidentId", "Referrer") DO UPDATE SET
                "Count" = "BrokenLinkReferrers"."Count" + excluded."Count",
                "FirstSeen" = CASE WHEN excluded."FirstSeen" < "BrokenLinkReferrers"."FirstSeen" THEN excluded."FirstSeen" ELSE "BrokenLinkReferrers"."FirstSeen" END,
                "LastSeen" = CASE WHEN excluded."LastSeen" > "BrokenLinkReferrers"."LastSeen" THEN excluded."LastSeen" ELSE "BrokenLinkReferrers"."LastSeen" END
            """, ct);
}

/// <summary>A group of occurrences of one incident, as the upsert adds them.</summary>
internal sealed record IncidentUpsert(
    long ProjectId, string Fingerprint, EventKind Kind, string Title, long Count, DateTime FirstSeen, DateTime LastSeen, string LastEventId, long HeldBack);

/// <summary>A claimed event's columns, by name.</summary>
internal sealed class ClaimedRow
{
    public required string Id { get; set; }
    public long ProjectId { get; set; }
    public EventKind Kind { get; set; }
    public DateTime ReceivedAt { get; set; }
    public required string Fingerprint { get; set; }

    public ClaimedEvent ToEvent() => new(Id, ProjectId, Kind, DateTime.SpecifyKind(ReceivedAt, DateTimeKind.Utc), Fingerprint);
}
