using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.MailActions;
using Alerts.Core.Options;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Mail;

/// <summary>A signed action link in an incident mail: the page behind it asks before it acts.</summary>
public sealed record MailActionLink(MailAction Action, string Label, Uri Url, DateTime ExpiresAt);

/// <summary>What an incident mail says besides its event: the project's stored name and the signed action links.</summary>
public sealed record MailExtras(string? ProjectName, IReadOnlyList<MailActionLink> Actions)
{
    public static readonly MailExtras None = new(null, []);
}

/// <summary>
/// Looks up a mail's project name and signs its action links (<see cref="MailActionTokens"/>) under <c>Alerts:BaseUrl</c>;
/// without a base URL, or without the key ring, a mail carries no links.
/// </summary>
public sealed class IncidentMailContext(ProjectNameStore names, IOptionsMonitor<AlertsOptions> settings, MailActionTokens? tokens = null)
{
    /// <summary>Where a mail's action link leads: the Dashboard's confirmation page.</summary>
    public const string ActionPath = "/mail/act";

    /// <summary>Where RFC 8058 one-click List-Unsubscribe posts.</summary>
    public const string UnsubscribePath = "/api/v1/mail/unsubscribe";

    public async Task<MailExtras> ForAsync(Incident incident, CancellationToken ct) =>
        new(await names.NameOfAsync(incident.ProjectId, ct), ActionLinks(incident));

    public ValueTask<string?> ProjectNameAsync(long projectId, CancellationToken ct) => names.NameOfAsync(projectId, ct);

    /// <summary>Resolve, Ignore, Snooze 24 h, and for a broken link "Ignore URLs like this".</summary>
    public IReadOnlyList<MailActionLink> ActionLinks(Incident incident)
    {
        if (settings.CurrentValue.PublicBaseUrl is not { } baseUrl || tokens is null) return [];
        var list = MailActionTokens.ListFor(incident.Kind);
        var links = new List<MailActionLink>
        {
            Link(baseUrl, ActionPath, incident.Id, MailAction.Resolve, list, "Resolve"),
            Link(baseUrl, ActionPath, incident.Id, MailAction.Ignore, list, "Ignore"),
            Link(baseUrl, ActionPath, incident.Id, MailAction.Snooze, list, "Snooze 24 h"),
        };
        if (incident.Kind == Core.Events.EventKind.BrokenLink)
            links.Add(Link(baseUrl, ActionPath, incident.Id, MailAction.IgnoreUrls, list, "Ignore URLs like this"));
        return links;
    }

    /// <summary>The List-Unsubscribe address of a mail about this incident; null without a base URL.</summary>
    public Uri? UnsubscribeLink(long incidentId, Core.Events.EventKind kind) =>
        settings.CurrentValue.PublicBaseUrl is { } baseUrl && tokens is not null
            ? Link(baseUrl, UnsubscribePath, incidentId, MailAction.Unsubscribe, MailActionTokens.ListFor(kind), "Unsubscribe").Url
            : null;

    private MailActionLink Link(string baseUrl, string path, long incidentId, MailAction action, MailList list, string label)
    {
        var (token, expires) = tokens!.Create(incidentId, action, list);
        return new(action, label, new Uri(string.Create(CultureInfo.InvariantCulture, $"{baseUrl}{path}?token={token}")), expires);
    }
}
