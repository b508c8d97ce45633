using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Observability;
using Alerts.Core.Options;
using Alerts.Notifier.Policy;
using Microsoft.Data.Sqlite;
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
    BrokenLinkRuleSets ruleSets,
    ProjectRecipientStore recipientStore,
    IOptionsMonitor<RetentionOptions> retention,
    WriteGate gate,
    ILogger<IncidentGrouper> logger)
{
    private const long Claimed = -1; // marks events taken by this transaction; never visible after commit

    /// <summary>Groups the given events that are not grouped yet; returns the ids of notifications to send.</summary>
    public async Task<IReadOnlyList<long>> GroupAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        if (eventIds.Count == 0) return [];
        using var turn = await gate.EnterAsync(Timeout.InfiniteTimeSpan, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var transaction = tx.GetDbTransaction();

        var claimed = await ClaimAsync(transaction, eventIds, ct);
        if (claimed.Count == 0) return [];

        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var mailsInWindow = new ProjectMailCounter(transaction, policy.CurrentValue, now);
        var rulesFor = claimed.Any(e => e.Kind == EventKind.BrokenLink) ? await ruleSets.CurrentAsync(ct) : null;
        var recipientsFor = await recipientStore.CurrentAsync(ct);
        var notifications = new List<Notification>();
        var groups = claimed
            .GroupBy(e => (e.ProjectId, e.Fingerprint))
            .OrderBy(g => g.Key.ProjectId).ThenBy(g => g.Key.Fingerprint, StringComparer.Ordinal) // one lock order for all notifiers: no deadlock
            .ToList();
        var payloads = await PayloadsAsync(transaction, claimed, [.. groups.SelectMany(PayloadsRead)], ct);
        foreach (var group in groups)
        {
            var items = group.Select(e => Occurrence.Of(e, payloads.GetValueOrDefault(e.Id), rulesFor)).ToList();
            var split = items.ToLookup(x => x.HeldBack(options.ScannerNoise.Mail));
            var heldBack = split[true].ToList();
            var reported = split[false].ToList();
            var incident = await UpsertIncidentAsync(transaction, group.Key.ProjectId, group.Key.Fingerprint, items, heldBack.Count, ct);
            var keep = retention.CurrentValue.SamplesPerIncident;
            var (samples, pruned) = SampleWindow.Split(items.Select(x => x.Event), keep);
            await DeleteAsync(transaction, pruned, ct);
            await AssignAsync(transaction, incident.Id, samples, ct);
            await PruneSamplesAsync(transaction, incident, keep, ct);
            await HourlyCounts.UpsertAsync(transaction, incident.Id, items, ct);
            if (incident.Kind == EventKind.BrokenLink) await ReferrerCounts.UpsertAsync(transaction, incident.Id, items, ct);

            if (heldBack.Count > 0 && await HeldBackAsync(transaction, incident, heldBack.MaxBy(x => x.Event.ReceivedAt)!, options,
                    recipientsFor(incident.ProjectId), now, ct) is { } held)
                notifications.Add(held);
            if (reported.Count == 0) continue;

            // Only reported occurrences count for the policy: a link a scanner probed first is still news when a visitor follows it.
            var latest = reported.MaxBy(x => x.Event.ReceivedAt)!;
            // The state comes from the upsert, which holds the incident's row lock until commit:
            // a first occurrence or a regression is seen by exactly one transaction.
            var decision = await mailsInWindow.DecideAsync(incident.ProjectId, mails => AlertPolicy.Decide(AlertContexts.For(
                incident, incident.ReportedCount - reported.Count, now, latest.Read.Environment, mails, options,
                recipientsFor(incident.ProjectId)), policy.CurrentValue), ct);
            // Noise is mailed only when Alerts:ScannerNoise:Mail asks for it, and then the mail says what it is.
            if (latest.Verdict.Class == BrokenLinkClass.Noise && decision.Record)
                decision = decision with { Reason = $"{decision.Reason}; {latest.Verdict.Description}" };
            await IncidentState.ApplyAsync(transaction, incident, decision, now, expectedLastNotifiedAt: null, ct);
            if (!decision.Record) continue;
            if (decision.Send) mailsInWindow.Add(incident.ProjectId);
            notifications.Add(AlertNotifications.For(incident, latest.Event.Id, latest.Read, decision, options, now));
        }
        db.Notifications.AddRange(notifications);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        AlertsMetrics.EventsGrouped(claimed.Select(e => e.ReceivedAt), now);
        logger.LogDebug("Grouped {Events} event(s) into {Incidents} incident(s)", claimed.Count, groups.Count);
        return [.. notifications.Where(n => n.Status == NotificationStatus.Pending).Select(n => n.Id)];
    }

    private static async Task<List<ClaimedEvent>> ClaimAsync(DbTransaction tx, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using var cmd = tx.CreateCommand();
        var list = cmd.AddList("@ids", ids);
        // The payload only of an event stored before fingerprints were kept: grouping needs it to fingerprint the event.
        const string columns = """ "Id", "ProjectId", "Kind", "ReceivedAt", "Fingerprint", CASE WHEN "Fingerprint" IS NULL THEN "Payload" END """;
        // SQLite's transaction holds the database's one write lock from its BEGIN IMMEDIATE: no one can take these
        // events before it commits, so reading them claims them, and each row is written once more: assigned or deleted.
        if (tx.Connection is SqliteConnection)
        {
            cmd.CommandText = $"""
                SELECT {columns} FROM "Events"
                WHERE "Id" IN ({list}) AND "IncidentId" IS NULL
                """;
        }
        else
        {
            cmd.AddParameter("@claimed", Claimed);
            cmd.CommandText = $"""
                UPDATE "Events" SET "IncidentId" = @claimed
                WHERE "Id" IN ({list}) AND "IncidentId" IS NULL
                RETURNING {columns}
                """;
        }
        var events = new List<ClaimedEvent>(ids.Count);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var kind = (EventKind)reader.GetInt32(2);
            var payload = reader.IsDBNull(5) ? null : EventJson.Read(reader.GetString(5));
            events.Add(new ClaimedEvent(
                reader.GetString(0), reader.GetInt64(1), kind, DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc),
                reader.IsDBNull(4) ? Fingerprinter.Compute(kind, payload!) : reader.GetString(4), payload));
        }
        return events;
    }

    /// <summary>
    /// The events whose payload grouping reads: every broken link (its rules look at the request), and of an error
    /// group only the first (the title) and the latest (the mail).
    /// </summary>
    private static IEnumerable<ClaimedEvent> PayloadsRead(IGrouping<(long, string), ClaimedEvent> group) =>
        group.First().Kind == EventKind.BrokenLink ? group : [group.MinBy(e => e.ReceivedAt)!, group.MaxBy(e => e.ReceivedAt)!];

    private static async Task<Dictionary<string, EventPayload>> PayloadsAsync(
        DbTransaction tx, List<ClaimedEvent> claimed, IEnumerable<ClaimedEvent> wanted, CancellationToken ct)
    {
        var payloads = claimed.Where(e => e.Payload is not null).ToDictionary(e => e.Id, e => e.Payload!, StringComparer.Ordinal);
        var ids = wanted.Select(e => e.Id).Where(id => !payloads.ContainsKey(id)).Distinct().ToList();
        if (ids.Count == 0) return payloads;
        await using var cmd = tx.CreateCommand();
        cmd.CommandText = $"""SELECT "Id", "Payload" FROM "Events" WHERE "Id" IN ({cmd.AddList("@ids", ids)})""";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) payloads[reader.GetString(0)] = EventJson.Read(reader.GetString(1));
        return payloads;
    }

    /// <summary>
    /// Records that a rule held back occurrences: the incident names the rule, and the notification log gets a
    /// held-back row when the rule is new for this incident (a scanner's thousandth probe adds no row).
    /// </summary>
    private static async Task<Notification?> HeldBackAsync(
        DbTransaction tx, Incident incident, Occurrence latest, AlertsOptions options, StoredRecipients? stored, DateTime now, CancellationToken ct)
    {
        var rule = IncidentTitle.OneLine(latest.Verdict.Description, Incident.IgnoredByMaxLength);
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@id", incident.Id);
        cmd.AddParameter("@rule", rule);
        cmd.CommandText = """
            UPDATE "Incidents" SET "IgnoredBy" = @rule
            WHERE "Id" = @id AND ("IgnoredBy" IS NULL OR "IgnoredBy" <> @rule)
            """;
        if (await cmd.ExecuteNonQueryAsync(ct) == 0 || incident.Status == IncidentStatus.Ignored) return null;
        incident.IgnoredBy = rule;
        var decision = new AlertDecision(true, false, IncidentTitle.OneLine($"held back: {rule}", 200),
            RecipientRouting.For(incident.Kind, incident.ProjectId, latest.Read.Environment, options, stored), incident.Status);
        return AlertNotifications.For(incident, latest.Event.Id, latest.Read, decision, options, now);
    }

    private static async Task<Incident> UpsertIncidentAsync(
        DbTransaction tx, long projectId, string fingerprint, List<Occurrence> items, int heldBack, CancellationToken ct)
    {
        var first = items.MinBy(x => x.Event.ReceivedAt)!;
        var last = items.MaxBy(x => x.Event.ReceivedAt)!;
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@project", projectId);
        cmd.AddParameter("@fingerprint", fingerprint);
        cmd.AddParameter("@kind", (int)first.Event.Kind);
        cmd.AddParameter("@title", IncidentTitle.For(first.Event.Kind, first.Read));
        cmd.AddParameter("@count", (long)items.Count);
        cmd.AddParameter("@first", first.Event.ReceivedAt);
        cmd.AddParameter("@last", last.Event.ReceivedAt);
        cmd.AddParameter("@lastEvent", last.Event.Id);
        cmd.AddParameter("@ignored", (long)heldBack);
        // Same statement on SQLite and PostgreSQL: the unique index makes concurrent first occurrences one row.
        cmd.CommandText = """
            INSERT INTO "Incidents" ("ProjectId", "Fingerprint", "Kind", "Title", "Status", "Count", "FirstSeen", "LastSeen", "LastEventId", "LastNotifiedCount", "IgnoredCount")
            VALUES (@project, @fingerprint, @kind, @title, 0, @count, @first, @last, @lastEvent, 0, @ignored)
            ON CONFLICT ("ProjectId", "Fingerprint") DO UPDATE SET
                "Count" = "Incidents"."Count" + excluded."Count",
                "IgnoredCount" = "Incidents"."IgnoredCount" + excluded."IgnoredCount",
                "LastEventId" = CASE WHEN excluded."LastSeen" >= "Incidents"."LastSeen" THEN excluded."LastEventId" ELSE "Incidents"."LastEventId" END,
                "LastSeen" = CASE WHEN excluded."LastSeen" > "Incidents"."LastSeen" THEN excluded."LastSeen" ELSE "Incidents"."LastSeen" END,
                "FirstSeen" = CASE WHEN excluded."FirstSeen" < "Incidents"."FirstSeen" THEN excluded."FirstSeen" ELSE "Incidents"."FirstSeen" END
            RETURNING "Id", "Count", "FirstSeen", "LastSeen", "Status", "Title",
                "LastNotifiedAt", "LastNotifiedCount", "SnoozedUntil", "SnoozedUntilCount", "IgnoredCount", "IgnoredBy"
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
            IgnoredCount = reader.GetInt64(10),
            IgnoredBy = reader.IsDBNull(11) ? null : reader.GetString(11),
        };
    }

    /// <summary>Deletes events grouping has counted but keeps no sample of.</summary>
    private static async Task DeleteAsync(DbTransaction tx, List<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        await using var cmd = tx.CreateCommand();
        cmd.CommandText = $"""DELETE FROM "Events" WHERE "Id" IN ({cmd.AddList("@ids", ids)})""";
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task AssignAsync(DbTransaction tx, long incidentId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using var cmd = tx.CreateCommand();
        var list = cmd.AddList("@ids", ids);
        cmd.AddParameter("@incident", incidentId);
        cmd.CommandText = $"""UPDATE "Events" SET "IncidentId" = @incident WHERE "Id" IN ({list})""";
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Keeps the newest <paramref name="keep"/> events of the incident and deletes the rest: storage grows with
    /// incidents, not events. Cheap, as pruning on every batch leaves at most a batch more than that to look at.
    /// </summary>
    private static async Task PruneSamplesAsync(DbTransaction tx, Incident incident, int keep, CancellationToken ct)
    {
        if (incident.Count <= keep) return;
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@incident", incident.Id);
        cmd.AddParameter("@keep", keep);
        cmd.CommandText = """
            DELETE FROM "Events" WHERE "IncidentId" = @incident AND "Id" NOT IN (
                SELECT "Id" FROM "Events" WHERE "IncidentId" = @incident ORDER BY "ReceivedAt" DESC, "Id" DESC LIMIT @keep)
            """;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// Which of a group's events stay as the incident's samples: never more than its newest <c>keep</c>, the order
/// <see cref="IncidentGrouper"/>'s pruning keeps. The others would be pruned in the same transaction, so they are deleted
/// at once rather than assigned first: under a flood that spares rewriting every event row (and its 1.5 KB payload).
/// </summary>
internal static class SampleWindow
{
    public static (List<string> Samples, List<string> Pruned) Split(IEnumerable<ClaimedEvent> events, int keep)
    {
        var newestFirst = events.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id, StringComparer.Ordinal).Select(e => e.Id).ToList();
        return ([.. newestFirst.Take(keep)], [.. newestFirst.Skip(keep)]);
    }
}

/// <summary>An event claimed for grouping: its payload is read only when it has no fingerprint yet.</summary>
internal sealed record ClaimedEvent(string Id, long ProjectId, EventKind Kind, DateTime ReceivedAt, string Fingerprint, EventPayload? Payload);

/// <summary>
/// An event being grouped, with what the broken-link rules say of it (errors are always reported). Its payload is
/// there for every broken link and for the first and latest error of its group (<see cref="IncidentGrouper"/> reads no other).
/// </summary>
internal sealed record Occurrence(ClaimedEvent Event, EventPayload? Payload, BrokenLinkVerdict Verdict)
{
    public static Occurrence Of(ClaimedEvent e, EventPayload? payload, Func<long, BrokenLinkRuleSet>? rulesFor)
    {
        var occurrence = new Occurrence(e, payload, BrokenLinkVerdict.Reported);
        if (e.Kind != EventKind.BrokenLink || rulesFor is null) return occurrence;
        var request = occurrence.Read.Request; // every broken link's payload is read
        return occurrence with { Verdict = BrokenLinkRules.Classify(request?.Url, request?.Referrer, request?.UserAgent, rulesFor(e.ProjectId)) };
    }

    /// <summary>The payload of an occurrence grouping has read (see the type's summary).</summary>
    public EventPayload Read => Payload ?? throw new InvalidOperationException($"The payload of event {Event.Id} was not read.");

    /// <summary>Counted but not reported: ignorable, or noise unless noise is to be mailed.</summary>
    public bool HeldBack(bool mailNoise) =>
        Verdict.Class == BrokenLinkClass.Ignorable || (Verdict.Class == BrokenLinkClass.Noise && !mailNoise);
}
