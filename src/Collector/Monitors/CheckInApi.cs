using System.Globalization;
using System.Text;
using Alerts.Collector.Ingestion;
using Alerts.Collector.Keys;
using Alerts.Core.Monitors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Collector.Monitors;

/// <summary>
/// Check-ins over plain HTTP: ping URLs in healthchecks.io's shape (<c>/ping/{uuid}</c>, <c>/start</c>, <c>/fail</c>,
/// <c>/{exit-status}</c>, and <c>/ping/{project-key}/{slug}</c>), and Sentry's
/// <c>/api/{projectId}/cron/{monitor_slug}/{public_key}/?status=...</c>. GET, HEAD or POST; a POST body is the run's log.
/// </summary>
public static class CheckInApi
{
    public static IEndpointRouteBuilder MapCheckInApi(this IEndpointRouteBuilder app)
    {
        var keys = app.ServiceProvider.GetRequiredService<ProjectKeyResolver>();
        var catalog = app.ServiceProvider.GetRequiredService<MonitorCatalog>();
        var ingestor = app.ServiceProvider.GetRequiredService<CheckInIngestor>();
        string[] methods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post];
        app.MapMethods("/ping/{first}/{second?}/{third?}", methods,
                Task<Results<Ok<string>, ProblemHttpResult>> (string first, string? second, string? third, HttpContext http) =>
                    Ping(first, second, third, http, keys, catalog, ingestor))
            .WithName("Ping").WithTags("Monitors")
            .WithSummary("A monitored job checks in: /ping/{uuid}[/start|/fail|/{exit-status}] or /ping/{project-key}/{slug}[/...]; a POST body (10 KB) is its log.")
            .ProducesProblem(400).ProducesProblem(404).DisableAntiforgery().ShortCircuit();
        app.MapMethods("/api/{projectId:long}/cron/{slug}/{key}/", methods,
                Task<Results<Ok<string>, ProblemHttpResult>> (long projectId, string slug, string key, HttpContext http) =>
                    SentryHttp(projectId, slug, key, http, keys, catalog, ingestor))
            .WithName("SentryCronCheckIn").WithTags("Monitors", "Sentry")
            .WithSummary("Sentry's HTTP check-in: ?status=in_progress|ok|error[&check_in_id=&duration=&environment=].")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).DisableAntiforgery().ShortCircuit();
        return app;
    }

    private static async Task<Results<Ok<string>, ProblemHttpResult>> Ping(
        string first, string? second, string? third, HttpContext http, ProjectKeyResolver keys, MonitorCatalog catalog, CheckInIngestor ingestor)
    {
        var ct = http.RequestAborted;
        CronMonitor? monitor = null;
        string? action;
        if (Guid.TryParse(first, out var uuid) && await catalog.FindAsync(uuid, ct) is { } byUuid)
        {
            if (third is not null) return NotFound();
            (monitor, action) = (byUuid, second);
        }
        else
        {
            // /ping/{project-key}/{slug}: the key is a project's ingestion key, as in a DSN.
            if (second is null || MonitorCatalog.NormalizeSlug(second) is not { } slug) return NotFound();
            if (await keys.ResolveAsync(first, ct) is { } projectId) monitor = await catalog.FindAsync(projectId, slug, ct);
            action = third;
        }
        if (monitor is null) return NotFound();
        if (ParseAction(action) is not var (status, exit))
            return EventsApi.Problem(400, "Unknown ping", $"'{action}' is not start, fail or an exit status (0-255).");
        var log = await ReadLogAsync(http);
        return await ingestor.RecordAsync(monitor, new CheckInReport(status, ExitStatus: exit, Log: log), ct) is { } problem
            ? problem : TypedResults.Ok("OK");
    }

    private static async Task<Results<Ok<string>, ProblemHttpResult>> SentryHttp(
        long projectId, string slug, string key, HttpContext http, ProjectKeyResolver keys, MonitorCatalog catalog, CheckInIngestor ingestor)
    {
        var ct = http.RequestAborted;
        if (await keys.ResolveAsync(key, ct) is not { } owner) return EventsApi.Problem(401, "Unknown project key", "The key in the URL is not known or has been revoked.");
        if (owner != projectId) return EventsApi.Problem(403, "Wrong project", $"The key does not belong to project {projectId}.");
        var q = http.Request.Query;
        if (SentryCheckIn.ParseStatus(q["status"]) is not { } status)
            return EventsApi.Problem(400, "Bad check-in", "status must be in_progress, ok or error.");
        string? id = null;
        if (q["check_in_id"].ToString() is { Length: > 0 } raw && (id = SentryCheckIn.NormalizeId(raw)) is null)
            return EventsApi.Problem(400, "Bad check-in", "check_in_id must be a UUID.");
        double? duration = double.TryParse(q["duration"], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and < 1e9 ? d : null;
        if (MonitorCatalog.NormalizeSlug(slug) is not { } normalized) return NotFound();
        var checkIn = new SentryCheckIn(normalized, new CheckInReport(status, id, duration, q["environment"].ToString() is { Length: > 0 } env ? env : null, Log: await ReadLogAsync(http)), null);
        return await ingestor.SentryAsync(projectId, checkIn, ct) is { } problem ? problem : TypedResults.Ok("OK");
    }

    /// <summary>null or "" → success; "start"; "fail"; an exit status, 0 for success.</summary>
    internal static (CheckInStatus Status, int? Exit)? ParseAction(string? action) => action switch
    {
        null or "" => (CheckInStatus.Ok, null),
        "start" => (CheckInStatus.InProgress, null),
        "fail" => (CheckInStatus.Error, null),
        _ when int.TryParse(action, NumberStyles.None, CultureInfo.InvariantCulture, out var exit) && exit <= 255 =>
            (exit == 0 ? CheckInStatus.Ok : CheckInStatus.Error, exit),
        _ => null,
    };

    /// <summary>The first 10 KB of a POST body, as UTF-8 text; the rest is not read.</summary>
    private static async Task<string?> ReadLogAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method)) return null;
        var buffer = new byte[Core.Monitors.MonitorCheckIn.LogMaxBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(total), http.RequestAborted)) > 0) total += read;
        if (total == 0) return null;
        // Cut at a character boundary so the stored text is valid.
        var text = Encoding.UTF8.GetString(buffer, 0, total).TrimEnd('\uFFFD');
        return text.Replace('\0', ' ');
    }

    private static ProblemHttpResult NotFound() =>
        EventsApi.Problem(404, "Unknown monitor", "No monitor has this ping URL.");
}
