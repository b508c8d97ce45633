using System.Globalization;
using System.Text;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail.Templates;

namespace Alerts.Notifier.Mail;

/// <summary>An incident mail: a one-line subject, a plain-text part and an HTML part saying the same.</summary>
public sealed record RenderedMail(string Subject, string TextBody, string HtmlBody);

/// <summary>
/// What an incident mail says. Subjects and the text part follow Django's error and broken-link mails;
/// the HTML part comes from the Razor templates in <c>Mail/Templates</c>, which encode every value.
/// </summary>
public static class AlertMailRenderer
{
    private const int MaxSubject = 250;

    /// <param name="reason">The policy's reason for this mail ("first occurrence", "regression", ...), shown to the reader.</param>
    /// <param name="extras">The project's stored name and the signed action links.</param>
    public static RenderedMail Render(Incident incident, EventPayload e, AlertsOptions settings, string reason, MailExtras? extras = null)
    {
        var content = AlertMailContent.For(incident, e, settings, reason, extras);
        var subject = incident.Kind switch
        {
            EventKind.BrokenLink => BrokenLinkSubject(e),
            EventKind.Monitor => MonitorMail.Subject(e),
            _ => ErrorSubject(e, settings.InternalIps),
        };
        var body = incident.Kind switch
        {
            EventKind.BrokenLink => BrokenLinkBody(e),
            EventKind.Monitor => MonitorMail.Body(e),
            _ => ErrorBody(content),
        };
        body.AppendLine();
        AppendIncident(body, content);
        var html = HtmlTemplates.Render<AlertMail>(new Dictionary<string, object?> { [nameof(AlertMail.Content)] = content });
        return new RenderedMail(IncidentTitle.OneLine(settings.EmailSubjectPrefix + subject, MaxSubject), body.ToString(), html);
    }

    /// <summary>
    /// Django's AdminEmailHandler subject, "ERROR (EXTERNAL IP): Internal Server Error: /orders/{order_id}/", with the
    /// exception after it ("(ZeroDivisionError: division by zero)"). The IP marker is there when a request is: "internal"
    /// for an address in <c>Alerts:InternalIps</c> (Django's INTERNAL_IPS). An SDK's exception in a request, which carries
    /// no message, reads as Django's log line would, naming the SDK's route (<c>transaction</c>) where it sent one.
    /// </summary>
    public static string ErrorSubject(EventPayload e, IReadOnlyCollection<string>? internalIps = null)
    {
        var level = (e.Level ?? "error").ToUpperInvariant();
        if (e.Request is { } request)
            level += IsInternalIp(request.RemoteAddr, internalIps) ? " (internal IP)" : " (EXTERNAL IP)";
        var path = !string.IsNullOrWhiteSpace(e.Transaction) ? e.Transaction : PathOf(e.Request?.Url);
        var head = !string.IsNullOrWhiteSpace(e.Message) ? e.Message
            : e.Request is not null && e.Exception is not null && !string.IsNullOrWhiteSpace(path) ? $"Internal Server Error: {path}"
            : path;
        var exception = e.Exception is { } ex ? (string.IsNullOrEmpty(ex.Value) ? ex.Type : $"{ex.Type}: {ex.Value}") : null;
        if (string.IsNullOrWhiteSpace(head)) return $"{level}: {exception}";
        return exception is null || head.Contains(exception, StringComparison.Ordinal) ? $"{level}: {head}" : $"{level}: {head} ({exception})";
    }

    /// <summary>Django's test: the address as the request gave it, compared as text with each of INTERNAL_IPS.</summary>
    private static bool IsInternalIp(string? remoteAddr, IReadOnlyCollection<string>? internalIps) =>
        remoteAddr is not null && internalIps is { Count: > 0 } && internalIps.Contains(remoteAddr, StringComparer.Ordinal);

    /// <summary>Django's "Broken INTERNAL link on host" when the referrer is on the same host, else "Broken link on host".</summary>
    public static string BrokenLinkSubject(EventPayload e)
    {
        var host = BrokenLinkRules.DomainOf(e.Request?.Url);
        return BrokenLinkRules.IsInternal(e.Request?.Referrer, host) ? $"Broken INTERNAL link on {host}" : $"Broken link on {host}";
    }

    private static void AppendException(StringBuilder sb, ExceptionInfo ex, string? name)
    {
        if (ex.Frames is { Count: > 0 } frames)
        {
            sb.AppendLine("Traceback (most recent call last):");
            for (var i = 0; i < frames.Count; i++)
            {
                var f = frames[i];
                sb.Append(CultureInfo.InvariantCulture, $"  File \"{f.Filename ?? f.Module ?? "?"}\"");
                if (f.Lineno is { } line) sb.Append(CultureInfo.InvariantCulture, $", line {line}");
                sb.Append(CultureInfo.InvariantCulture, $", in {f.Function ?? "?"}");
                if (f.InApp == true) sb.Append(" [app]");
                sb.AppendLine();
                if (!string.IsNullOrWhiteSpace(f.ContextLine)) sb.Append("    ").AppendLine(f.ContextLine.Trim());
                if (EventDetails.Locals(f, frames.Count - 1 - i) is { } locals) AppendSection(sb, locals, "    ");
            }
        }
        sb.AppendLine(string.IsNullOrEmpty(ex.Value) ? name : $"{name}: {ex.Value}");
    }

    private static StringBuilder ErrorBody(AlertMailContent content)
    {
        var e = content.Event;
        var sb = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(e.Message)) sb.AppendLine(e.Message).AppendLine();
        if (e.Exception is { } ex)
        {
            // Python's order: the causes first, oldest first, then the exception that was raised.
            foreach (var cause in e.Causes ?? [])
            {
                AppendException(sb, cause, cause.Type);
                sb.AppendLine().AppendLine(EventDetails.ChainingText(cause.Chaining)).AppendLine();
            }
            AppendException(sb, ex, content.ExceptionName);
        }
        if (e.Request is { } r)
        {
            sb.AppendLine().AppendLine("Request:");
            Line(sb, "  URL", EventDetails.FullUrl(r));
            Line(sb, "  Method", r.Method);
            Line(sb, "  Referrer", r.Referrer);
            Line(sb, "  User agent", r.UserAgent);
            Line(sb, "  IP address", r.RemoteAddr);
        }
        if (content.Tags is { Count: > 0 } tags)
        {
            sb.AppendLine().AppendLine("Tags:");
            foreach (var (k, v) in tags) Line(sb, $"  {k}", v);
        }
        foreach (var section in EventDetails.RequestSections(e).Concat(EventDetails.ServerSections(e, content.Incident.LastSeen)))
        {
            sb.AppendLine();
            AppendSection(sb, section, "");
        }
        return sb;
    }

    /// <summary>"Title:" and one "  name = value" line a row, as Django's text report lists META.</summary>
    private static void AppendSection(StringBuilder sb, DetailSection section, string indent)
    {
        sb.Append(indent).Append(section.Title).AppendLine(":");
        foreach (var row in section.Rows)
            sb.Append(indent).Append("  ").Append(row.Name).Append(" = ").AppendLine(IncidentTitle.OneLine(row.Value, EventDetails.MaxValue));
        if (section.Omitted > 0) sb.Append(indent).AppendLine(CultureInfo.InvariantCulture, $"  ({section.Omitted} more not shown)");
    }

    private static StringBuilder BrokenLinkBody(EventPayload e)
    {
        var r = e.Request;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Referrer: {r?.Referrer}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Requested URL: {r?.Url}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"User agent: {r?.UserAgent}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"IP address: {r?.RemoteAddr}");
        Line(sb, "Environment", e.Environment);
        return sb;
    }

    private static void AppendIncident(StringBuilder sb, AlertMailContent content)
    {
        var incident = content.Incident;
        sb.AppendLine("--");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"Incident #{incident.Id} in project {content.ProjectLabel}: {incident.Count} occurrence(s), first seen {AlertMailContent.Timestamp(incident.FirstSeen)}, last seen {AlertMailContent.Timestamp(incident.LastSeen)}.");
        Line(sb, "Why this mail", content.Reason);
        if (content.IncidentLink is { } link) sb.AppendLine(link.AbsoluteUri);
        MailActionsText.Append(sb, content.Actions);
    }

    private static void Line(StringBuilder sb, string label, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value)) sb.Append(label).Append(": ").AppendLine(value);
    }

    private static string? PathOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.AbsolutePath : url;
}
