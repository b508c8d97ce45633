using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Decide;

/// <summary>
/// Decides what the occurrences grouping returned are worth, in grouping's transaction: the policy, the project cap,
/// the incident's new state, and the outbox rows (sent or held back, each with its reason).
/// </summary>
public sealed class OccurrenceDecider(
    IOptionsMonitor<AlertsOptions> settings,
    IOptionsMonitor<AlertPolicyOptions> policy,
    ProjectRecipientStore recipientStore,
    IncidentMailContext mailContext,
    TimeProvider clock)
{
    internal async Task<List<Notification>> DecideAsync(AlertsDbContext db, IReadOnlyList<GroupedIncident> grouped, CancellationToken ct)
    {
        var options = settings.CurrentValue;
        var p = policy.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var mailsInWindow = new ProjectMailCounter(db, p, now);
        var recipientsFor = await recipientStore.CurrentAsync(ct);
        var notifications = new List<Notification>();
        foreach (var g in grouped)
        {
            var incident = g.Incident;
            var recipients = recipientsFor(incident.ProjectId);
            if (g.NewHoldRule && incident.Status != IncidentStatus.Ignored)
                notifications.Add(HeldBack(incident, g.LatestHeldBack!, options, recipients, now, await mailContext.ForAsync(incident, ct)));
            // Only reported occurrences count for the policy: a link a scanner probed first is still news when a visitor follows it.
            if (g.LatestReported is not { } latest) continue;
            var firstInternal = await FirstInternalReferrerAsync(db, incident, g.Reported, ct);
            if (firstInternal is not null) latest = firstInternal;
            // The state comes from the upsert, which holds the incident's row lock until commit:
            // a first occurrence or a regression is seen by exactly one transaction.
            var decision = await mailsInWindow.DecideAsync(incident.ProjectId, mails => AlertPolicy.Decide(AlertContexts.For(
                incident, incident.ReportedCount - g.Reported.Count, now, latest.Read, mails, options, recipients) with { FirstInternalReferrer = firstInternal is not null }, p), ct);
            // Noise is mailed only when Alerts:ScannerNoise:Mail asks for it, and then the mail says what it is.
            if (latest.Verdict.Class == BrokenLinkClass.Noise && decision.Record)
                decision = decision with { Detail = latest.Verdict.Description };
            await IncidentState.ApplyAsync(db, incident, decision, now, expectedLastNotifiedAt: null, ct);
            if (!decision.Record) continue;
            if (decision.Send) mailsInWindow.Add(incident.ProjectId);
            notifications.Add(AlertNotifications.For(incident, latest.Event.Id, latest.Read, decision, options, now, await mailContext.ForAsync(incident, ct)));
        }
        return notifications;
    }

    /// <summary>
    /// The first of these broken-link occurrences whose referrer is one of the site's own pages, when no internal referrer
    /// was seen before them (grouping has already counted their referrers, so earlier ones are those first seen before).
    /// </summary>
    private static async Task<Occurrence?> FirstInternalReferrerAsync(AlertsDbContext db, Incident incident, IReadOnlyList<Occurrence> reported, CancellationToken ct)
    {
        if (incident.Kind != EventKind.BrokenLink || incident.ReportedCount == reported.Count) return null;
        var first = reported.OrderBy(x => x.Event, SampleWindow.Order)
            .FirstOrDefault(x => BrokenLinkRules.IsInternal(x.Read.Request?.Referrer, BrokenLinkRules.DomainOf(x.Read.Request?.Url)));
        if (first is null) return null;
        var earlier = await db.BrokenLinkReferrers
            .Where(r => r.IncidentId == incident.Id && r.FirstSeen < first.Event.ReceivedAt)
            .Select(r => r.Referrer).ToListAsync(ct);
        var host = BrokenLinkRules.DomainOf(first.Read.Request?.Url);
        return earlier.Any(r => BrokenLinkRules.IsInternal(r, host)) ? null : first;
    }

    /// <summary>A held-back row in the notification log, written when a rule newly holds the incident back.</summary>
    private static Notification HeldBack(Incident incident, Occurrence latest, AlertsOptions options, StoredRecipients? stored, DateTime now, MailExtras extras)
    {
        var decision = new AlertDecision(true, false, NotificationReason.HeldBack,
            RecipientRouting.For(incident.Kind, incident.ProjectId, latest.Read.Environment, options, stored), incident.Status) { Detail = incident.IgnoredBy };
        return AlertNotifications.For(incident, latest.Event.Id, latest.Read, decision, options, now, extras);
    }
}
