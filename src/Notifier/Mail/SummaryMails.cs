using System.Globalization;
using System.Text;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using MimeKit;
using Alerts.Notifier.Decide;

namespace Alerts.Notifier.Mail;

/// <summary>
/// The plain-text mails that are not about one incident: the storm summary (what the project cap held back), the
/// managers' broken-link digest, and the direct mail about Alerts itself failing.
/// </summary>
public static class SummaryMails
{
    private const int MaxSubject = 250;

    public static string StormSubject(string project, int incidents, AlertsOptions options) =>
        IncidentTitle.OneLine($"{options.EmailSubjectPrefix}Storm: {incidents} incident(s) in {project} held back", MaxSubject);

    /// <summary>The cap in force, then the incidents it held back, most frequent first, each with its Dashboard link.</summary>
    public static string StormBody(string project, int heldMails, IReadOnlyList<Incident> incidents, AlertPolicyOptions p, AlertsOptions options)
    {
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"The project cap ({p.ProjectCap} mails in {p.ProjectCapWindowMinutes} min) held back {heldMails} mail(s) about {incidents.Count} incident(s) in {project}:");
        body.AppendLine();
        foreach (var incident in incidents.OrderByDescending(i => i.Count))
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"  #{incident.Id}  {incident.Count,8} × {incident.Title}");
            if (options.PublicBaseUrl is { } baseUrl)
                body.AppendLine(CultureInfo.InvariantCulture, $"            {baseUrl}/incidents/{incident.Id}");
        }
        return body.ToString();
    }

    /// <summary>The plain mail ADMINS get when a failure of Alerts itself cannot even be recorded (the database is down).</summary>
    public static MimeMessage FailingItself(EventPayload payload, Exception storeFailure, AlertsOptions options)
    {
        var body = $"{payload.Message}\n\n{payload.Exception?.Type}: {payload.Exception?.Value}\n\n"
                   + $"It could not be recorded as an incident either: {storeFailure.GetType().Name}: {storeFailure.Message}\n";
        return AlertMessageFactory.CreatePlain(IncidentTitle.OneLine($"Alerts itself is failing: {payload.Message}", 200), body,
            options.Admins.Select(a => new MailboxAddress(a.Name, a.Email)), options);
    }

    public static string DigestSubject(string project, int links, AlertsOptions options) =>
        IncidentTitle.OneLine($"{options.EmailSubjectPrefix}Broken links in {project}: {Links(links)}", MaxSubject);

    /// <summary>
    /// Referring pages, internal ones first (those a manager can fix), each with the missing pages it links to and how
    /// often the link was followed; a link from two pages is listed under both.
    /// </summary>
    public static string DigestBody(string project, IReadOnlyList<Incident> incidents, IReadOnlyList<BrokenLinkReferrer> referrers,
        IReadOnlyDictionary<long, string> reasons, IReadOnlyDictionary<long, string> domainOf, AlertsOptions options)
    {
        var byId = incidents.ToDictionary(i => i.Id);
        var pages = referrers.Where(r => byId.ContainsKey(r.IncidentId))
            .GroupBy(r => r.Referrer, StringComparer.Ordinal)
            .Select(g => (Referrer: g.Key, Links: g.ToList(),
                Internal: g.Any(r => BrokenLinkRules.IsInternal(g.Key, domainOf.GetValueOrDefault(r.IncidentId, "")))))
            .OrderBy(p => p.Internal ? 0 : 1).ThenBy(p => p.Referrer, StringComparer.Ordinal)
            .ToList();

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Links(incidents.Count)} in {project} since the last digest, by the page that links to them:");
        foreach (var page in pages)
        {
            sb.AppendLine();
            var label = page.Referrer.Length == 0 ? "(no referrer)" : page.Referrer;
            sb.AppendLine(page.Internal ? $"{label}   (INTERNAL)" : label);
            foreach (var link in page.Links.OrderBy(l => byId[l.IncidentId].Title, StringComparer.Ordinal))
            {
                var incident = byId[link.IncidentId];
                var target = incident.Title.StartsWith("Broken link: ", StringComparison.Ordinal) ? incident.Title["Broken link: ".Length..] : incident.Title;
                sb.AppendLine(CultureInfo.InvariantCulture, $"    {target}   {link.Count} ×, {reasons.GetValueOrDefault(incident.Id, "")}  (incident #{incident.Id})");
                if (options.PublicBaseUrl is { } baseUrl)
                    sb.AppendLine(CultureInfo.InvariantCulture, $"        {baseUrl}/incidents/{incident.Id}");
            }
        }
        sb.AppendLine().AppendLine("--");
        sb.AppendLine(CultureInfo.InvariantCulture, $"One mail per {options.BrokenLinkDigestMinutes} minute(s) instead of one per link (Alerts:BrokenLinkDigestMinutes).");
        return sb.ToString();
    }

    private static string Links(int count) => count == 1 ? "1 broken link" : string.Create(CultureInfo.InvariantCulture, $"{count} broken links");
}
