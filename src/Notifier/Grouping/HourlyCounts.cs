using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;

namespace Alerts.Notifier.Grouping;

/// <summary>Counts an incident's occurrences per hour, exactly, in the grouping transaction: what charts are drawn from.</summary>
internal static class HourlyCounts
{
    public static async Task UpsertAsync(DbTransaction tx, long incidentId, IReadOnlyList<Occurrence> items, CancellationToken ct)
    {
        foreach (var g in items.GroupBy(x => IncidentHourlyCount.HourOf(x.Event.ReceivedAt)).OrderBy(g => g.Key))
        {
            await using var cmd = tx.CreateCommand();
            cmd.AddParameter("@incident", incidentId);
            cmd.AddParameter("@hour", g.Key);
            cmd.AddParameter("@count", (long)g.Count());
            cmd.CommandText = """
                INSERT INTO "IncidentHourlyCounts" ("IncidentId", "Hour", "Count") VALUES (@incident, @hour, @count)
                ON CONFLICT ("IncidentId", "Hour") DO UPDATE SET "Count" = "IncidentHourlyCounts"."Count" + excluded."Count"
                """;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
