using System.Security.Claims;
using Alerts.Core.Data;
using Alerts.Dashboard.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Api;

/// <summary>An incident; <c>ignoredCount</c> occurrences were held back by a broken-link rule, the latest by <c>ignoredBy</c>;
/// <c>environment</c> is its latest event's; a snoozed one wakes at <c>snoozedUntil</c> or at <c>snoozedUntilCount</c> occurrences.</summary>
public sealed record IncidentSummary(long Id, long ProjectId, string Kind, string Title, string Status, long Count, DateTime FirstSeen, DateTime LastSeen,
    long IgnoredCount = 0, string? IgnoredBy = null, string? Environment = null, DateTime? SnoozedUntil = null, long? SnoozedUntilCount = null);

/// <summary>Snooze for <c>minutes</c>, or until <c>occurrences</c> more occurrences, or both (whichever comes first wakes it).</summary>
public sealed record SnoozeRequest(int? Minutes = null, long? Occurrences = null);

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
        var api = app.MapGroup("/api/v1/incidents").WithTags("Incidents").RequireAuthorization(DashboardExtensions.Policy)
            .AddEndpointFilter(CookieCallsNeedAntiforgery)
            .ProducesProblem(401).ProducesProblem(403);
        api.MapGet("/", ListIncidents).WithName("ListIncidents")
            .WithSummary("Incidents, filtered and paged; the next page's address is in the Link header (rel=\"next\").");
        api.MapGet("/{id:long}", GetIncident).WithName("GetIncident");
        api.MapPost("/{id:long}/resolve", (long id, AlertsDbContext db, TimeProvider clock, CancellationToken ct) => SetStatus(id, IncidentStatus.Resolved, db, clock, ct)).WithName("ResolveIncident");
        api.MapPost("/{id:long}/ignore", (long id, AlertsDbContext db, TimeProvider clock, CancellationToken ct) => SetStatus(id, IncidentStatus.Ignored, db, clock, ct)).WithName("IgnoreIncident");
        api.MapPost("/{id:long}/reopen", (long id, AlertsDbContext db, TimeProvider clock, CancellationToken ct) => SetStatus(id, IncidentStatus.Open, db, clock, ct)).WithName("ReopenIncident");
        api.MapPost("/{id:long}/snooze", Snooze).WithName("SnoozeIncident")
            .WithSummary("No mail for a period (minutes) or until more occurrences, whichever comes first.");
        api.MapPost("/{id:long}/ignore-urls", IgnoreUrlsLikeThis).WithName("IgnoreUrlsLikeThis");
        return api;
    }

    /// <summary>
    /// A browser sends the login cookie with any request, whoever's page made it, so a state change under the cookie must
    /// also carry the antiforgery token only our pages have (header <c>RequestVerificationToken</c> or the form field).
    /// An API token is sent only by a client that holds it, so Bearer calls need none.
    /// </summary>
    internal static async ValueTask<object?> CookieCallsNeedAntiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
        var byToken = http.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName);
        if (!safe && !byToken)
        {
            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            }
            catch (AntiforgeryValidationException)
            {
                return TypedResults.Problem(statusCode: 403, title: "Antiforgery token missing or invalid",
                    detail: "A change made with the Dashboard's login cookie needs the page's antiforgery token in the RequestVerificationToken " +
                            "header (the request-verification-token meta tag of any Dashboard page); scripts can use an API token (Authorization: Bearer) instead.");
            }
        }
        return await next(context);
    }

    /// <summary>One page, newest first (or by count); the next page's address is in the <c>Link: &lt;...&gt;; rel="next"</c> header.</summary>
    public static async Task<Results<Ok<List<IncidentSummary>>, ProblemHttpResult>> ListIncidents(
        HttpContext http, AlertsDbContext db, CancellationToken ct, string? status = null, string? kind = null, long? projectId = null,
        string? environment = null, string? q = null, string? sort = null, string? cursor = null, int? limit = null)
    {
        var filter = IncidentFilter.Parse(status, kind, projectId, environment, q, sort, cursor, limit, out var errors);
        if (errors.Count > 0) return Invalid(errors);
        var page = await IncidentList.QueryAsync(db, filter, ct);
        if (page.Next is { } next)
        {
            http.Response.Headers.Link = $"<{filter.Url(http.Request.PathBase + http.Request.Path, next)}>; rel=\"next\"";
        }
        return TypedResults.Ok(page.Items.ToList());
    }

    public static async Task<Results<Ok<IncidentDetail>, NotFound>> GetIncident(long id, AlertsDbContext db, CancellationToken ct)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == id, ct);
        if (incident is null) return TypedResults.NotFound();
        var events = await db.Events.Where(e => e.IncidentId == id)
            .OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Take(SampleCount).ToListAsync(ct); // the window's order: the first is LastEventId
        var notifications = await db.Notifications.Where(n => n.IncidentId == id).OrderBy(n => n.Id).ToListAsync(ct);
        var samples = events.Select(e => new SampleEvent(e.Id, e.ReceivedAt,
            EventJson.Read(e.Payload))).ToList();
        var domain = BrokenLinkRules.DomainOf(samples.FirstOrDefault()?.Event.Request?.Url);
        var referrers = await db.BrokenLinkReferrers.Where(r => r.IncidentId == id)
            .OrderByDescending(r => r.Count).ThenBy(r => r.Referrer).Take(MaxReferrers).ToListAsync(ct);
        return TypedResults.Ok(new IncidentDetail(
            ToSummary(incident) with { Environment = samples.FirstOrDefault()?.Event.Environment }, // the latest event's, as in the list
            samples,
            [.. notifications.Select(n => new NotificationEntry(n.Id, n.Reason, StatusOf(n), n.Recipients, n.Subject, n.Attempts, n.CreatedAt, n.SentAt, n.LastResult))],
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

    /// <summary>Resolves, ignores or reopens; any snooze ends. A resolved incident that occurs again is a regression.</summary>
    public static async Task<Results<Ok<IncidentSummary>, NotFound>> SetStatus(long id, IncidentStatus status, AlertsDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        DateTime? resolvedAt = status == IncidentStatus.Resolved ? clock.GetUtcNow().UtcDateTime : null;
        var changed = await db.Incidents.Where(i => i.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Status, status)
            .SetProperty(i => i.ResolvedAt, resolvedAt)
            .SetProperty(i => i.SnoozedUntil, (DateTime?)null)
            .SetProperty(i => i.SnoozedUntilCount, (long?)null), ct);
        if (changed == 0) return TypedResults.NotFound();
        return TypedResults.Ok(ToSummary(await db.Incidents.FirstAsync(i => i.Id == id, ct)));
    }

    /// <summary>
    /// Silences an incident until a time or until more occurrences, as the alert policy reads it: no mail while snoozed;
    /// when the condition ends the next occurrence (or the follow-up sweep) mails again and the incident is open.
    /// </summary>
    public static async Task<Results<Ok<IncidentSummary>, NotFound, ProblemHttpResult>> Snooze(
        long id, SnoozeRequest request, AlertsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Minutes is null && request.Occurrences is null) errors["minutes"] = ["Give minutes, occurrences, or both."];
        if (request.Minutes is < 1 or > MaxSnoozeMinutes) errors["minutes"] = [$"Must be between 1 and {MaxSnoozeMinutes} (a year)."];
        if (request.Occurrences is < 1) errors["occurrences"] = ["Must be at least 1."];
        if (errors.Count > 0) return Invalid(errors, "Invalid snooze");
        DateTime? until = request.Minutes is { } m ? clock.GetUtcNow().UtcDateTime.AddMinutes(m) : null;
        long? more = request.Occurrences;
        var changed = await db.Incidents.Where(i => i.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Status, IncidentStatus.Snoozed)
            .SetProperty(i => i.SnoozedUntil, until)
            // Counted as the policy counts (occurrences no rule held back), in the update: grouping may count more meanwhile.
            .SetProperty(i => i.SnoozedUntilCount, i => more == null ? null : i.Count - i.IgnoredCount + more), ct);
        if (changed == 0) return TypedResults.NotFound();
        return TypedResults.Ok(ToSummary(await db.Incidents.FirstAsync(i => i.Id == id, ct)));
    }

    private const int MaxSnoozeMinutes = 366 * 24 * 60;

    /// <summary>A row's status; an action taken from a mail is "action", not a mail held back.</summary>
    private static string StatusOf(Notification n) => n.Cause == NotificationReason.ActionFromMail ? "action" : Names.Of(n.Status);

    internal static IncidentSummary ToSummary(Incident i) =>
        new(i.Id, i.ProjectId, EventKinds.Name(i.Kind), i.Title, Names.Of(i.Status), i.Count, i.FirstSeen, i.LastSeen, i.IgnoredCount, i.IgnoredBy,
            SnoozedUntil: i.SnoozedUntil, SnoozedUntilCount: i.SnoozedUntilCount);

    internal static ProblemHttpResult Invalid(Dictionary<string, string[]> errors, string title = "Invalid query") =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = 400,
            Title = title,
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
        });
}

public static class Names
{
    public static string Of(IncidentStatus s) => s.ToString().ToLowerInvariant();
    public static string Of(NotificationStatus s) => s.ToString().ToLowerInvariant();
}
