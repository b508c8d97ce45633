using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Sql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// Folds accepted events into incidents within the caller's transaction: claims each event exactly once, counts it
/// exactly once, keeps the newest samples, and returns each incident with its occurrences. It decides no mail.
/// </summary>
public sealed class IncidentGrouper(
    NotifierSql sql,
    IDatabaseProvider database,
    BrokenLinkRuleSets ruleSets,
    IOptionsMonitor<AlertsOptions> settings,
    IOptionsMonitor<RetentionOptions> retention)
{
    internal async Task<IReadOnlyList<GroupedIncident>> GroupAsync(AlertsDbContext db, IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        var claimed = await sql.ClaimAsync(db, eventIds, ct);
        if (claimed.Count == 0) return [];
        var mailNoise = settings.CurrentValue.ScannerNoise.Mail;
        var keep = retention.CurrentValue.SamplesPerIncident;
        var rulesFor = claimed.Any(e => e.Kind == EventKind.BrokenLink) ? await ruleSets.CurrentAsync(ct) : null;
        var groups = claimed
            .GroupBy(e => (e.ProjectId, e.Fingerprint))
            .OrderBy(g => g.Key.ProjectId).ThenBy(g => g.Key.Fingerprint, StringComparer.Ordinal) // one lock order for all notifiers: no deadlock
            .ToList();
        var payloads = await PayloadsAsync(db, claimed, [.. groups.SelectMany(PayloadsRead)], ct);
        var grouped = new List<GroupedIncident>(groups.Count);
        foreach (var group in groups)
        {
            var items = group.Select(e => Occurrence.Of(e, payloads.GetValueOrDefault(e.Id), rulesFor)).ToList();
            var split = items.ToLookup(x => x.HeldBack(mailNoise));
            var heldBack = split[true].ToList();
            var incident = await UpsertAsync(db, items, heldBack.Count, ct);
            await KeepSamplesAsync(db, incident, items, keep, ct);
            await CountAsync(db, incident, items, ct);
            var newRule = heldBack.Count > 0 && await NameHoldRuleAsync(db, incident, heldBack.MaxBy(x => x.Event, SampleWindow.Order)!, ct);
            grouped.Add(new GroupedIncident(incident, split[false].ToList(), heldBack, newRule));
        }
        return grouped;
    }

    /// <summary>
    /// The events whose payload grouping reads: every broken link (its rules look at the request), and of an error
    /// group only the first (the title) and the latest (the mail).
    /// </summary>
    private static IEnumerable<ClaimedEvent> PayloadsRead(IGrouping<(long, string), ClaimedEvent> group) =>
        group.First().Kind == EventKind.BrokenLink ? group : [SampleWindow.Oldest(group), SampleWindow.Newest(group)];

    private static async Task<Dictionary<string, EventPayload>> PayloadsAsync(
        AlertsDbContext db, List<ClaimedEvent> claimed, IEnumerable<ClaimedEvent> wanted, CancellationToken ct)
    {
        var ids = wanted.Select(e => e.Id).Distinct().ToList();
        var rows = await db.Events.Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Payload }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r => EventJson.Read(r.Payload), StringComparer.Ordinal);
    }

    private static Task<Incident> UpsertAsync(AlertsDbContext db, List<Occurrence> items, int heldBack, CancellationToken ct)
    {
        var first = items.MinBy(x => x.Event, SampleWindow.Order)!; // the occurrence whose payload was read for the title
        var last = SampleWindow.Newest(items.Select(x => x.Event)); // a tie on time ends as the window does: LastEventId stays a sample
        return NotifierSql.UpsertIncidentAsync(db, new IncidentUpsert(first.Event.ProjectId, first.Event.Fingerprint, first.Event.Kind,
            IncidentTitle.For(first.Event.Kind, first.Read), items.Count, first.Event.ReceivedAt, last.ReceivedAt, last.Id, heldBack), ct);
    }

    /// <summary>
    /// Keeps the newest <paramref name="keep"/> events of the incident and deletes the rest: storage grows with incidents,
    /// not events. The incident's samples are read from IX_Events_Samples, walking its entries, and every write finds its
    /// rows by id: under a flood the index also holds many entries of rows pruned meanwhile, and a
    /// statement that scanned the incident's entries for its rows took 10-40 ms on PostgreSQL.
    /// </summary>
    private async Task KeepSamplesAsync(AlertsDbContext db, Incident incident, List<Occurrence> items, int keep, CancellationToken ct)
    {
        // Until an incident has counted more than `keep`, each of its events stays a sample: none to read or displace. All
        // its samples are read, not only the newest `keep`, so a lowered SamplesPerIncident trims the older ones too.
        var current = incident.Count > keep && incident.Count > items.Count
            ? await database.WalkingIndexesAsync(db.Database,
                () => db.Events.Where(e => e.IncidentId == incident.Id).Select(e => new Sample(e.Id, e.ReceivedAt)).ToListAsync(ct), ct)
            : [];
        var (assign, delete) = SampleWindow.Split(current, items.Select(x => new Sample(x.Event.Id, x.Event.ReceivedAt)), keep);
        if (assign.Count > 0) await db.Events.Where(e => assign.Contains(e.Id)).ExecuteUpdateAsync(s => s.SetProperty(e => e.IncidentId, incident.Id), ct);
        if (delete.Count > 0) await db.Events.Where(e => delete.Contains(e.Id)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Counts per hour (charts) and, for a broken link, per referring page ("linked from these pages").</summary>
    private static async Task CountAsync(AlertsDbContext db, Incident incident, List<Occurrence> items, CancellationToken ct)
    {
        foreach (var hour in items.GroupBy(x => IncidentHourlyCount.HourOf(x.Event.ReceivedAt)).OrderBy(g => g.Key))
            await NotifierSql.UpsertHourlyCountAsync(db, incident.Id, hour.Key, hour.Count(), ct);
        if (incident.Kind != EventKind.BrokenLink) return;
        // The referrer as sent, on one line and cut to the column; no referrer is the empty string.
        var byReferrer = items
            .GroupBy(x => IncidentTitle.OneLine(x.Read.Request?.Referrer ?? "", BrokenLinkReferrer.MaxLength), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var g in byReferrer)
            await NotifierSql.UpsertReferrerAsync(db, incident.Id, g.Key, g.Count(), g.Min(x => x.Event.ReceivedAt), g.Max(x => x.Event.ReceivedAt), ct);
    }

    /// <summary>
    /// The incident names the rule that held back its latest occurrences; true when that rule is new for it (a scanner's
    /// thousandth probe changes nothing).
    /// </summary>
    private static async Task<bool> NameHoldRuleAsync(AlertsDbContext db, Incident incident, Occurrence latest, CancellationToken ct)
    {
        var rule = IncidentTitle.OneLine(latest.Verdict.Description, Incident.IgnoredByMaxLength);
        var changed = await db.Incidents.Where(i => i.Id == incident.Id && (i.IgnoredBy == null || i.IgnoredBy != rule))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.IgnoredBy, rule), ct);
        if (changed == 0) return false;
        incident.IgnoredBy = rule;
        return true;
    }
}
