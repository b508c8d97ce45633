using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.MailActions;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.MailActions;

public enum MailActionOutcome
{
    /// <summary>The incident changed; the change is in its log.</summary>
    Done,
    /// <summary>The incident already was as the action would leave it (a used link, a second click): nothing changed.</summary>
    AlreadyDone,
    NotFound,
    /// <summary>The action does not apply (no stored event to take a broken link's URL from).</summary>
    NotApplicable,
}

public sealed record MailActionResult(MailActionOutcome Outcome, string Message);

/// <summary>
/// Carries out a verified mail action. Each change is a conditional update, so a replayed link or two clicks at once
/// change the incident once and the rest are told it was already done; a change is logged in the incident's log
/// (a notification row with cause <see cref="NotificationReason.ActionFromMail"/>, never sent) with "from mail" and the
/// mail's recipients.
/// </summary>
public sealed class MailActionExecutor(AlertsDbContext db, IgnoreRuleStore rules, TimeProvider clock)
{
    public static readonly TimeSpan SnoozePeriod = TimeSpan.FromHours(24);
    public static readonly TimeSpan UnsubscribePeriod = TimeSpan.FromDays(7);

    /// <summary>What the page's button says, and what it will do.</summary>
    public static string Describe(MailAction action) => action switch
    {
        MailAction.Resolve => "Resolve",
        MailAction.Ignore => "Ignore",
        MailAction.Snooze => "Snooze for 24 hours",
        MailAction.IgnoreUrls => "Ignore URLs like this",
        MailAction.Unsubscribe => "Stop mail about this incident for 7 days",
        _ => action.ToString(),
    };

    public static string ListName(MailList list) => list == MailList.Managers ? "MANAGERS" : "ADMINS";

    public async Task<MailActionResult> ApplyAsync(MailActionTicket ticket, string via, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == ticket.IncidentId, ct);
        if (incident is null) return new(MailActionOutcome.NotFound, "This incident no longer exists (it was deleted or has expired).");
        var now = clock.GetUtcNow().UtcDateTime;
        var row = db.Incidents.Where(i => i.Id == ticket.IncidentId);
        var (changed, done, already) = ticket.Action switch
        {
            MailAction.Resolve => (await row.Where(i => i.Status != IncidentStatus.Resolved).ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, IncidentStatus.Resolved)
                    .SetProperty(i => i.ResolvedAt, now)
                    .SetProperty(i => i.SnoozedUntil, (DateTime?)null)
                    .SetProperty(i => i.SnoozedUntilCount, (long?)null), ct) > 0,
                "resolved", "already resolved"),
            MailAction.Ignore => (await row.Where(i => i.Status != IncidentStatus.Ignored).ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, IncidentStatus.Ignored)
                    .SetProperty(i => i.ResolvedAt, (DateTime?)null)
                    .SetProperty(i => i.SnoozedUntil, (DateTime?)null)
                    .SetProperty(i => i.SnoozedUntilCount, (long?)null), ct) > 0,
                "ignored", "already ignored"),
            MailAction.Snooze => await SnoozeAsync(row, now, SnoozePeriod, ct),
            MailAction.Unsubscribe => await SnoozeAsync(row, now, UnsubscribePeriod, ct),
            MailAction.IgnoreUrls => await IgnoreUrlsAsync(incident, ct),
            _ => (false, "", "not an action"),
        };
        if (done.Length == 0) return new(MailActionOutcome.NotApplicable, already);
        if (!changed) return new(MailActionOutcome.AlreadyDone, $"Already done: the incident was {already}. Nothing changed.");
        await LogAsync(incident, ticket, done, via, now, ct);
        return new(MailActionOutcome.Done, $"Done: the incident is {done}. The incident's log says so, \"from mail\".");
    }

    /// <summary>
    /// A snooze still running for at least half this action's period is left as it is (a replayed link); a shorter one is
    /// extended (unsubscribing after a 24-hour snooze).
    /// </summary>
    private static async Task<(bool, string, string)> SnoozeAsync(IQueryable<Incident> row, DateTime now, TimeSpan period, CancellationToken ct)
    {
        var until = now + period;
        var enough = now + period / 2;
        var changed = await row.Where(i => !(i.Status == IncidentStatus.Snoozed && i.SnoozedUntil != null && i.SnoozedUntil >= enough))
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, IncidentStatus.Snoozed)
                .SetProperty(i => i.SnoozedUntil, until)
                .SetProperty(i => i.SnoozedUntilCount, (long?)null), ct) > 0;
        return (changed, $"snoozed until {Utc(until)}", "already snoozed");
    }

    private async Task<(bool, string, string)> IgnoreUrlsAsync(Incident incident, CancellationToken ct)
    {
        if (incident.Kind != EventKind.BrokenLink) return (false, "", "Only a broken link can be turned into an ignore rule.");
        var payload = await db.Events.Where(e => e.Id == incident.LastEventId).Select(e => e.Payload).FirstOrDefaultAsync(ct);
        if ((payload is null ? null : EventJson.Read(payload).Request?.Url) is not { Length: > 0 } url)
            return (false, "", "No event of this incident is stored any more to take the URL from.");
        var pattern = BrokenLinkRules.IgnorePatternFor(url);
        var existed = await db.IgnoreRules.AnyAsync(r => r.ProjectId == incident.ProjectId && r.Pattern == pattern, ct);
        var rule = await rules.AddAsync(incident.ProjectId, pattern, "from mail", ct);
        var name = IncidentTitle.OneLine(IgnoreRuleStore.NameOf(rule), Incident.IgnoredByMaxLength);
        var changed = await db.Incidents.Where(i => i.Id == incident.Id && i.Status != IncidentStatus.Ignored).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Status, IncidentStatus.Ignored)
            .SetProperty(i => i.SnoozedUntil, (DateTime?)null)
            .SetProperty(i => i.SnoozedUntilCount, (long?)null)
            .SetProperty(i => i.IgnoredBy, name), ct) > 0;
        return (changed || !existed, $"ignored, with {name}", $"ignored by {name}");
    }

    private async Task LogAsync(Incident incident, MailActionTicket ticket, string done, string via, DateTime now, CancellationToken ct)
    {
        // The mail went to a list, not to one person: the log names the list and who was on it.
        var recipients = await db.Notifications
            .Where(n => n.IncidentId == incident.Id && n.Cause != NotificationReason.ActionFromMail && n.Status == NotificationStatus.Sent)
            .OrderByDescending(n => n.Id).Select(n => n.Recipients).FirstOrDefaultAsync(ct) ?? "";
        var who = recipients.Length > 0 ? $"{ListName(ticket.List)}: {recipients}" : ListName(ticket.List);
        db.Notifications.Add(new Notification
        {
            ProjectId = incident.ProjectId,
            IncidentId = incident.Id,
            Cause = NotificationReason.ActionFromMail,
            Reason = IncidentTitle.OneLine($"{done} from mail ({via}, {who})", Notification.ReasonMaxLength),
            Status = NotificationStatus.Skipped,
            Recipients = recipients,
            Subject = IncidentTitle.OneLine($"{Describe(ticket.Action)} from mail", 200),
            Body = "",
            CreatedAt = now,
            NextAttemptAt = now,
        });
        await db.SaveChangesAsync(ct);
    }

    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
