using System.Globalization;
using System.Text;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Monitors;
using Alerts.Core.Options;
using Alerts.Notifier.Mail.Templates;

namespace Alerts.Notifier.Mail;

/// <summary>What monitor mails say: the down mail (an incident mail of kind monitor) and the one recovered mail.</summary>
public static class MonitorMail
{
    /// <summary>"Monitor nightly-backup missed its check-in": the payload's message, which the recorder wrote.</summary>
    public static string Headline(EventPayload e) => e.Message ?? $"Monitor {e.Monitor?.Slug} is down";

    /// <summary>"MONITOR DOWN: Monitor nightly-backup missed its check-in".</summary>
    public static string Subject(EventPayload e) => $"MONITOR DOWN: {Headline(e)}";

    public static StringBuilder Body(EventPayload e)
    {
        var m = e.Monitor;
        var sb = new StringBuilder().AppendLine(Headline(e)).AppendLine();
        Line(sb, "Monitor", m?.Slug);
        Line(sb, "Schedule", m?.Schedule);
        Line(sb, "Expected at", m?.ExpectedAt is { } at ? AlertMailContent.Timestamp(at) : null);
        Line(sb, "Exit status", m?.ExitStatus?.ToString(CultureInfo.InvariantCulture));
        Line(sb, "Failures in a row", m?.Failures.ToString(CultureInfo.InvariantCulture));
        Line(sb, "Environment", e.Environment);
        if (!string.IsNullOrEmpty(m?.Log)) sb.AppendLine().AppendLine("Log of the run:").AppendLine(m.Log);
        return sb;
    }

    /// <summary>The recovered mail: subject, text and HTML, with the incident's facts.</summary>
    public static RenderedMail Recovered(Incident incident, CronMonitor monitor, DateTime downSince, DateTime now, AlertsOptions settings)
    {
        var title = $"Monitor {monitor.Slug} recovered";
        var content = AlertMailContent.For(incident, new EventPayload(), settings, NotificationText.Label(NotificationReason.Recovered));
        List<KeyValuePair<string, string?>> facts =
        [
            new("Monitor", monitor.Slug),
            new("Schedule", monitor.ScheduleText),
            new("Down since", AlertMailContent.Timestamp(downSince)),
            new("Recovered at", AlertMailContent.Timestamp(now)),
            new("Down for", Duration(now - downSince)),
            new("Incident", $"#{incident.Id.ToString(CultureInfo.InvariantCulture)} in project {content.ProjectLabel}"),
            new("Why this mail", content.Reason),
        ];
        var text = new StringBuilder().AppendLine(title).AppendLine();
        foreach (var (label, value) in facts) Line(text, label, value);
        if (content.IncidentLink is { } link) text.AppendLine(link.AbsoluteUri);
        var html = HtmlTemplates.Render<MonitorRecoveredMail>(new Dictionary<string, object?>
        {
            [nameof(MonitorRecoveredMail.Title)] = title,
            [nameof(MonitorRecoveredMail.Facts)] = facts,
            [nameof(MonitorRecoveredMail.Link)] = content.IncidentLink,
        });
        return new RenderedMail(IncidentTitle.OneLine($"{settings.EmailSubjectPrefix}RECOVERED: {title}", 250), text.ToString(), html);
    }

    /// <summary>"2 h 5 min", "40 s".</summary>
    public static string Duration(TimeSpan d) => d.TotalMinutes < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)d.TotalSeconds)} s")
        : d.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours} h {d.Minutes} min");

    private static void Line(StringBuilder sb, string label, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value)) sb.Append(label).Append(": ").AppendLine(value);
    }
}
