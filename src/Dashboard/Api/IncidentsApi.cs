using System.Security.Claims;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Api;

/// <summary>An incident; <c>ignoredCount</c> occurrences were held back by a broken-link rule, the latest by <c>ignoredBy</c>.</summary>
public sealed record IncidentSummary(long Id, long ProjectId, string Kind, string Title, string Status, long Count, DateTime FirstSeen, DateTime LastSeen,
    long IgnoredCount = 0, string? IgnoredBy = null);

public sealed record SampleEvent(string Id, DateTime ReceivedAt, EventPayload Event);

public sealed record NotificationEntry(long Id, string Reason, string Status, string Recipients, string Subject, int Attempts, DateTime CreatedAt, DateTime? SentAt, string? Result);

/// <summary>A page linking to a broken target, how often the link was followed, and whether it is on the same host.</summary>
public sealed record ReferrerEntry(string Referrer, bool Internal, long Count, DateTime FirstSeen, DateTime LastSeen);

public sealed record IncidentDetail(IncidentSummary Incident, IReadOnlyList<SampleEvent> Samples, IReadOnlyList<NotificationEntry> Notifications,
    IReadOnlyList<ReferrerEntry> Referrers);

public sealed record IgnoreRuleEntry(long Id, long ProjectId, string Pattern, DateTime CreatedAt, string CreatedBy);

/// <summary>The Dashboard's JSON API (DESIGN.md): incidents and what was mailed about them.</summary>
public static class IncidentsApi
{
    private const int SampleCount = 10;
    private const int MaxReferrers = 200;

    public static RouteGroupBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/incidents").WithTags("Incidents").RequireAuthorization(DashboardExtensions.Policy);
        api.MapGet("/", ListIncidents).WithName("ListIncidents");
        api.MapGet("/{id:long}", GetIncident).WithName("GetIncident");
        api.MapPost("/{id:long}/resolve", (long id, AlertsDbContext db, CancellationToken ct) => SetStatus(id, IncidentStatus.Resolved, db, ct)).WithName("ResolveIncident");
        api.MapPost("/{id:long}/ignore", (long id, AlertsDbContext db, CancellationToken ct) => SetStatus(id, IncidentStatus.Ignored, db, ct)).WithName("IgnoreIncident");
        api.MapPost("/{id:long}/reopen", (long id, AlertsDbContext db, CancellationToken ct) => SetStatus(id, IncidentStatus.Open, db, ct)).WithName("ReopenIncident");
        api.MapPost("/{id:long}/ignore-urls", IgnoreUrlsLikeThis).WithName("IgnoreUrlsLikeThis");
        return api;
    }

    public static async Task<Results<Ok<List<IncidentSummary>>, ProblemHttpResult>> ListIncidents(
        AlertsDbContext db, CancellationToken ct, string? status = null, string? kind = null, long? projectId = null, int limit = 50)
    {
        var query = db.Incidents.AsQueryable();
        if (status is not null)
        {
            if (ParseStatus(status) is not { } s) return BadRequest("status", "Must be open, resolved or ignored.");
            query = query.Where(i => i.Status == s);
        }
        if (kind is not null)
        {
            if (kind is not (EventKinds.Error or EventKinds.BrokenLink)) return BadRequest("kind", "Must be error or broken_link.");
            var k = EventKinds.Parse(kind)!.Value;
            query = query.Where(i => i.Kind == k);
        }
        if (projectId is not null) query = query.Where(i => i.ProjectId == projectId);
        if (limit is < 1 or > 500) return BadRequest("limit", "Must be between 1 and 500.");
        var rows = await query.OrderByDescending(i => i.LastSeen).ThenByDescending(i => i.Id).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(ToSummary).ToList());
    }

    public static async Task<Results<Ok<IncidentDetail>, NotFound>> GetIncident(long id, AlertsDbContext db, CancellationToken ct)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == id, ct);
        if (incident is null) return TypedResults.NotFound();
        var events = await db.Events.Where(e => e.IncidentId == id)
            .OrderByDescending(e => e.ReceivedAt).Take(SampleCount).ToListAsync(ct);
        var notifications = await db.Notifications.Where(n => n.IncidentId == id).OrderBy(n => n.Id).ToListAsync(ct);
        var samples = events.Select(e => new SampleEvent(e.Id, e.ReceivedAt,
            EventJson.Read(e.Payload))).ToList();
        var domain = BrokenLinkRules.DomainOf(samples.FirstOrDefault()?.Event.Request?.Url);
        var referrers = await db.BrokenLinkReferrers.Where(r => r.IncidentId == id)
            .OrderByDescending(r => r.Count).ThenBy(r => r.Referrer).Take(MaxReferrers).ToListAsync(ct);
        return TypedResults.Ok(new IncidentDetail(
            ToSummary(incident),
            samples,
            [.. notifications.Select(n => new NotificationEntry(n.Id, n.Reason, Names.Of(n.Status), n.Recipients, n.Subject, n.Attempts, n.CreatedAt, n.SentAt, n.LastResult))],
            [.. referrers.Select(r => new ReferrerEntry(r.Referrer, BrokenLinkRules.IsInternal(r.Referrer, domain), r.Count, r.FirstSeen, r.LastSeen))]));
    }

    /// <summary>
    /// Turns a noisy broken link into an ignore rule in one action: its path, anchored, with any query, for its
    /// project; the incident is marked ignored and names the rule.
    /// </summary>
    public static async Task<Results<Ok<IgnoreRuleEntry>, NotFound, ProblemHttpResult>> IgnoreUrlsLikeThis(
        long id, ClaimsPrincipal user, AlertsDbContext db, IgnoreRuleStore rules, CancellationToken ct)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == id, ct);
        if (incident is null) return TypedResults.NotFound();
        if (incident.Kind != EventKind.BrokenLink)
            return TypedResults.Problem(statusCode: 400, title: "Not a broken link", detail: "Only a broken-link incident can be turned into an ignore rule.");
        var payload = await db.Events.Where(e => e.Id == incident.LastEventId).Select(e => e.Payload).FirstOrDefaultAsync(ct);
        var url = payload is null ? null : EventJson.Read(payload).Request?.Url;
        if (string.IsNullOrEmpty(url))
            return TypedResults.Problem(statusCode: 409, title: "No event", detail: "No event of this incident is stored any more to take the URL from.");

        var rule = await rules.AddAsync(incident.ProjectId, BrokenLinkRules.IgnorePatternFor(url), user.Identity?.Name ?? "unknown", ct);
        var name = IncidentTitle.OneLine(IgnoreRuleStore.NameOf(rule), Incident.IgnoredByMaxLength);
        await db.Incidents.Where(i => i.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Status, IncidentStatus.Ignored)
            .SetProperty(i => i.IgnoredBy, name), ct);
        return TypedResults.Ok(new IgnoreRuleEntry(rule.Id, rule.ProjectId, rule.Pattern, rule.CreatedAt, rule.CreatedBy));
    }

    private static async Task<Results<Ok<IncidentSummary>, NotFound>> SetStatus(long id, IncidentStatus status, AlertsDbContext db, CancellationToken ct)
    {
        var changed = await db.Incidents.Where(i => i.Id == id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, status), ct);
        if (changed == 0) return TypedResults.NotFound();
        return TypedResults.Ok(ToSummary(await db.Incidents.FirstAsync(i => i.Id == id, ct)));
    }

    internal static IncidentSummary ToSummary(Incident i) =>
        new(i.Id, i.ProjectId, EventKinds.Name(i.Kind), i.Title, Names.Of(i.Status), i.Count, i.FirstSeen, i.LastSeen, i.IgnoredCount, i.IgnoredBy);

    private static IncidentStatus? ParseStatus(string s) => s switch
    {
        "open" => IncidentStatus.Open,
        "resolved" => IncidentStatus.Resolved,
        "ignored" => IncidentStatus.Ignored,
        _ => null,
    };

    private static ProblemHttpResult BadRequest(string parameter, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [parameter] = [message] })
        {
            Status = 400,
            Title = "Invalid query",
            Detail = $"{parameter}: {message}",
        });
}

public static class Names
{
    public static string Of(IncidentStatus s) => s.ToString().ToLowerInvariant();
    public static string Of(NotificationStatus s) => s.ToString().ToLowerInvariant();
}
