using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;

namespace Alerts.Notifier.Grouping;

/// <summary>Counts, per broken target, each page that links to it: "this missing page is linked from these pages".</summary>
internal static class ReferrerCounts
{
    /// <summary>Upserts one row per referring page in the grouping transaction; the incident's row lock orders concurrent batches.</summary>
    public static async Task UpsertAsync(DbTransaction tx, long incidentId, IReadOnlyList<Occurrence> items, CancellationToken ct)
    {
        var byReferrer = items
            .GroupBy(x => Key(x.Read.Request?.Referrer), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var g in byReferrer)
        {
            await using var cmd = tx.CreateCommand();
            cmd.AddParameter("@incident", incidentId);
            cmd.AddParameter("@referrer", g.Key);
            cmd.AddParameter("@count", (long)g.Count());
            cmd.AddParameter("@first", g.Min(x => x.Event.ReceivedAt));
            cmd.AddParameter("@last", g.Max(x => x.Event.ReceivedAt));
            // Same statement on SQLite and PostgreSQL, like the incident upsert.
            cmd.CommandText = """
                INSERT INTO "BrokenLinkReferrers" ("IncidentId", "Referrer", "Count", "FirstSeen", "LastSeen")
                VALUES (@incident, @referrer, @count, @first, @last)
                ON CONFLICT ("IncidentId", "Referrer") DO UPDATE SET
                    "Count" = "BrokenLinkReferrers"."Count" + excluded."Count",
                    "FirstSeen" = CASE WHEN excluded."FirstSeen" < "BrokenLinkReferrers"."FirstSeen" THEN excluded."FirstSeen" ELSE "BrokenLinkReferrers"."FirstSeen" END,
                    "LastSeen" = CASE WHEN excluded."LastSeen" > "BrokenLinkReferrers"."LastSeen" THEN excluded."LastSeen" ELSE "BrokenLinkReferrers"."LastSeen" END
                """;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The referrer as sent, on one line and cut to the column; no referrer is the empty string.</summary>
    private static string Key(string? referrer) => IncidentTitle.OneLine(referrer ?? "", BrokenLinkReferrer.MaxLength);
}
