using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.Notifier.Policy;

namespace Alerts.Notifier.Grouping;

/// <summary>Writes a decision's effect on its incident: the status, and the cooldown's clock when a mail was recorded.</summary>
internal static class IncidentState
{
    /// <summary>
    /// Applies the decision; with <paramref name="expectedLastNotifiedAt"/> the update is conditional on nobody
    /// having decided since (two notifiers sweeping the same incident: one wins). Returns whether it applied.
    /// </summary>
    public static async Task<bool> ApplyAsync(DbTransaction tx, Incident incident, AlertDecision decision, DateTime now,
        DateTime? expectedLastNotifiedAt, CancellationToken ct)
    {
        if (!decision.Record && decision.Status == incident.Status && expectedLastNotifiedAt is null) return true;
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@id", incident.Id);
        cmd.AddParameter("@status", (int)decision.Status);
        cmd.AddParameter("@resolved", (int)IncidentStatus.Resolved);
        cmd.AddParameter("@snoozed", (int)IncidentStatus.Snoozed);
        cmd.AddParameter("@record", decision.Record ? 1 : 0);
        cmd.AddParameter("@now", now);
        cmd.AddParameter("@count", incident.ReportedCount); // occurrences a rule held back never earn a follow-up
        var condition = "";
        if (expectedLastNotifiedAt is { } expected)
        {
            cmd.AddParameter("@expected", expected);
            condition = """ AND "LastNotifiedAt" = @expected""";
        }
        cmd.CommandText = $"""
            UPDATE "Incidents" SET
                "Status" = @status,
                "ResolvedAt" = CASE WHEN @status = @resolved THEN "ResolvedAt" ELSE NULL END,
                "SnoozedUntil" = CASE WHEN @status = @snoozed THEN "SnoozedUntil" ELSE NULL END,
                "SnoozedUntilCount" = CASE WHEN @status = @snoozed THEN "SnoozedUntilCount" ELSE NULL END,
                "LastNotifiedAt" = CASE WHEN @record = 1 THEN @now ELSE "LastNotifiedAt" END,
                "LastNotifiedCount" = CASE WHEN @record = 1 THEN @count ELSE "LastNotifiedCount" END
            WHERE "Id" = @id{condition}
            """;
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}

/// <summary>The policy's view of an incident, the same whether an occurrence or the sweep asks.</summary>
internal static class AlertContexts
{
    public static AlertContext For(Incident incident, long countBefore, DateTime now, string? environment, int projectMailsInWindow,
        AlertsOptions options, StoredRecipients? stored, Trigger trigger = Trigger.Occurrence) =>
        new(incident.Kind, incident.Status, countBefore, incident.ReportedCount, now,
            RecipientRouting.For(incident.Kind, incident.ProjectId, environment, options, stored),
            incident.LastNotifiedAt, incident.LastNotifiedCount, incident.SnoozedUntil, incident.SnoozedUntilCount,
            projectMailsInWindow, options.SendBrokenLinkEmails, trigger, BrokenLinkDigest: options.BrokenLinkDigestMinutes > 0);
}

/// <summary>Mails already counted against each project's cap in the current window, kept up to date within a batch.</summary>
internal sealed class ProjectMailCounter(DbTransaction tx, AlertPolicyOptions policy, DateTime now)
{
    private readonly Dictionary<long, int> _stored = []; // in the database, as last read
    private readonly Dictionary<long, int> _added = []; // decided in this batch, written at its end
    private readonly HashSet<long> _locked = [];

    private async Task<int> CountAsync(long projectId, CancellationToken ct)
    {
        if (!_stored.TryGetValue(projectId, out var stored)) _stored[projectId] = stored = await QueryAsync(projectId, ct);
        return stored + _added.GetValueOrDefault(projectId);
    }

    /// <summary>
    /// Locks the project's row until commit (a no-op update of a non-key column, the same SQL on SQLite and
    /// PostgreSQL) and counts again: concurrent notifiers take places under the cap one at a time. Taken only for a
    /// mail, so rarely contended; the rare deadlock with another batch is resolved by the consumer's retry.
    /// </summary>
    private async Task<int> LockAsync(long projectId, CancellationToken ct)
    {
        if (_locked.Add(projectId))
        {
            await using (var cmd = tx.CreateCommand())
            {
                cmd.AddParameter("@project", projectId);
                cmd.CommandText = """UPDATE "Projects" SET "Name" = "Name" WHERE "Id" = @project""";
                await cmd.ExecuteNonQueryAsync(ct);
            }
            _stored[projectId] = await QueryAsync(projectId, ct); // a fresh snapshot, after whoever held the lock committed
        }
        return await CountAsync(projectId, ct);
    }

    public void Add(long projectId) => _added[projectId] = _added.GetValueOrDefault(projectId) + 1;

    /// <summary>
    /// Decides with the project's mail count; a mail takes a place under the cap, so it is decided again with the
    /// count taken under the project's lock, and two notifiers cannot both take the last place.
    /// </summary>
    public async Task<AlertDecision> DecideAsync(long projectId, Func<int, AlertDecision> decide, CancellationToken ct)
    {
        var before = await CountAsync(projectId, ct);
        var decision = decide(before);
        if (!decision.Send) return decision;
        var exact = await LockAsync(projectId, ct);
        return exact == before ? decision : decide(exact);
    }

    private async Task<int> QueryAsync(long projectId, CancellationToken ct)
    {
        await using var cmd = tx.CreateCommand();
        cmd.AddParameter("@project", projectId);
        cmd.AddParameter("@since", now.AddMinutes(-policy.ProjectCapWindowMinutes));
        cmd.AddParameter("@skipped", (int)NotificationStatus.Skipped);
        cmd.CommandText = """
            SELECT COUNT(*) FROM "Notifications"
            WHERE "ProjectId" = @project AND "CreatedAt" >= @since AND "Status" <> @skipped
            """;
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The outbox row for a recorded decision, its mail rendered now so it says what was true at the time.</summary>
internal static class AlertNotifications
{
    public static Notification For(Incident incident, string eventId, EventPayload payload, AlertDecision decision, AlertsOptions options, DateTime now)
    {
        var mail = AlertMailRenderer.Render(incident, payload, options, decision.Reason);
        return new Notification
        {
            ProjectId = incident.ProjectId,
            IncidentId = incident.Id,
            EventId = eventId,
            Reason = decision.Reason,
            Status = decision.Send ? NotificationStatus.Pending : NotificationStatus.Skipped,
            Recipients = AlertMessageFactory.FormatRecipients(decision.Recipients),
            Subject = mail.Subject,
            Body = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }
}
