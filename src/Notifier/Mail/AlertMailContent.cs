using System.Globalization;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Mail;

/// <summary>
/// What one alert mail says, shared by its text and HTML parts: the incident, the event that stands for it,
/// why the policy mails it, and where the Dashboard shows it.
/// </summary>
public sealed record AlertMailContent(Incident Incident, EventPayload Event, string Reason, string? ProjectName, Uri? IncidentLink)
{
    public static AlertMailContent For(Incident incident, EventPayload e, AlertsOptions settings, string reason, MailExtras? extras = null) =>
        new(incident, e, reason, extras?.ProjectName ?? ProjectNameOf(settings, incident.ProjectId), IncidentLinkFor(incident.Id, settings.PublicBaseUrl))
        {
            Actions = extras?.Actions ?? [],
        };

    /// <summary>The signed one-click actions (resolve, ignore, snooze, ...); none without <c>Alerts:BaseUrl</c>.</summary>
    public IReadOnlyList<MailActionLink> Actions { get; init; } = [];

    /// <summary>"shop (1)", or "1" for a project the settings do not name.</summary>
    public string ProjectLabel => string.IsNullOrWhiteSpace(ProjectName)
        ? Incident.ProjectId.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{ProjectName} ({Incident.ProjectId})");

    /// <summary>The name <c>Alerts:Projects</c> gives a project, if any.</summary>
    public static string? ProjectNameOf(AlertsOptions settings, long projectId) =>
        settings.Projects.FirstOrDefault(p => p.Id == projectId)?.Name is { Length: > 0 } name ? name : null;

    /// <summary>"ZeroDivisionError", or "shop.errors.PaymentError" when the module says more than Python's builtins.</summary>
    public string? ExceptionName => Event.Exception is { } ex
        ? string.IsNullOrEmpty(ex.Module) || ex.Module == "builtins" ? ex.Type : $"{ex.Module}.{ex.Type}"
        : null;

    /// <summary>Tags in a stable order, so two mails about one incident read alike.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags =>
        Event.Tags is { } tags ? [.. tags.OrderBy(t => t.Key, StringComparer.Ordinal)] : [];

    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary><c>{BaseUrl}/incidents/{id}</c>; only http(s), so a link in a mail can never run script.</summary>
    private static Uri? IncidentLinkFor(long incidentId, string? baseUrl)
    {
        if (string.IsNullOrWhiteSpace(baseUrl)) return null;
        var link = string.Create(CultureInfo.InvariantCulture, $"{baseUrl.TrimEnd('/')}/incidents/{incidentId}");
        return Uri.TryCreate(link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;
    }
}
