using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Decide;

/// <summary>
/// With <c>Alerts:BrokenLinkDigestMinutes</c> on, broken-link mails are held back "in digest"; once per interval
/// each project's MANAGERS get one mail listing those links grouped by the page that links to them.
/// </summary>
public sealed class BrokenLinkDigest(
    IDbContextFactory<AlertsDbContext> factory,
    IOptionsMonitor<AlertsOptions> settings,
    TimeProvider clock)
{
    private const int MaxLinks = 500;

    /// <summary>Writes the digests that are due; returns the notifications to send.</summary>
    public async Task<IReadOnlyList<long>> DecideAsync(CancellationToken ct)
    {
        var options = settings.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        // A link waits at most one interval: the digest collects what arrived since the first one. Turned off,
        // whatever was still held goes out at once.
        var interval = TimeSpan.FromMinutes(options.BrokenLinkDigestMinutes);
        await using var db = await factory.CreateDbContextAsync(ct);
        var due = await Summaries.Held(db, NotificationHold.InDigest)
            .GroupBy(n => n.ProjectId)
            .Select(g => new { ProjectId = g.Key, Oldest = g.Min(n => n.CreatedAt) })
            .ToListAsync(ct);

        var queued = new List<long>();
        foreach (var project in due.Where(p => p.Oldest <= now - interval))
        {
            // One digest per project per interval, even when two notifiers sweep.
            if (interval > TimeSpan.Zero
                && await db.Notifications.AnyAsync(n => n.ProjectId == project.ProjectId && n.Cause == NotificationReason.BrokenLinkDigest && n.CreatedAt > now - interval, ct))
                continue;
            if (await WriteAsync(db, project.ProjectId, options, now, ct) is { } id) queued.Add(id);
            db.ChangeTracker.Clear();
        }
        return queued;
    }

    private static async Task<long?> WriteAsync(AlertsDbContext db, long projectId, AlertsOptions options, DateTime now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var held = await Summaries.Held(db, NotificationHold.InDigest).Where(n => n.ProjectId == projectId).OrderBy(n => n.Id).Take(MaxLinks).ToListAsync(ct);
        if (held.Count == 0) return null;
        var incidents = await Summaries.IncidentsAsync(db, held, ct);
        var incidentIds = incidents.Keys.ToList();
        var referrers = await db.BrokenLinkReferrers.Where(r => incidentIds.Contains(r.IncidentId)).ToListAsync(ct);
        // The host a link is on says which referrers are internal (Django's is_internal_request).
        var eventIds = held.Select(n => n.EventId).OfType<string>().Distinct().ToList();
        var events = await db.Events.Where(e => eventIds.Contains(e.Id) && e.IncidentId != null).ToListAsync(ct);
        var domainOf = events.GroupBy(e => e.IncidentId!.Value).ToDictionary(g => g.Key, g => BrokenLinkRules.DomainOf(
            EventJson.Read(g.First().Payload).Request?.Url));
        var project = await Summaries.ProjectNameAsync(db, projectId, ct);
        var reasons = held.Where(n => n.IncidentId is not null).GroupBy(n => n.IncidentId!.Value)
            .ToDictionary(g => g.Key, g => NotificationText.Label(g.First().Cause));
        var body = SummaryMails.DigestBody(project, [.. incidents.Values.OrderBy(i => i.Title, StringComparer.Ordinal)], referrers, reasons, domainOf, options);
        var id = await Summaries.WriteAsync(db, projectId, NotificationReason.BrokenLinkDigest, held,
            SummaryMails.DigestSubject(project, incidents.Count, options), body, now, ct);
        await tx.CommitAsync(ct);
        return id;
    }
}
