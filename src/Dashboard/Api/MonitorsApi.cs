using Alerts.Core.Data;
using Alerts.Core.Monitors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Api;

/// <summary>
/// A monitor as the API shows it; <c>pingUrl</c> is relative to the collector's address. <c>kind</c> is "cron" or
/// "uptime"; an uptime check has <c>uptime</c> (its URL without user info).
/// </summary>
public sealed record MonitorEntry(long Id, long ProjectId, string Slug, Guid Uuid, string PingPath, string Schedule, string? Crontab, long IntervalSeconds,
    string? TimeZone, int CheckinMargin, int? MaxRuntime, int FailureIssueThreshold, int RecoveryThreshold, bool Paused, string State,
    DateTime? ExpectedAt, DateTime? RunningSince, DateTime? LastCheckInAt, string Source, string Kind, UptimeEntry? Uptime)
{
    public static MonitorEntry Of(CronMonitor m) => new(m.Id, m.ProjectId, m.Slug, m.Uuid, $"/ping/{m.Uuid}", m.ScheduleText, m.Crontab, m.IntervalSeconds,
        m.TimeZone, m.MarginMinutes, m.MaxRuntimeMinutes, m.FailureIssueThreshold, m.RecoveryThreshold, m.Paused, m.State.ToString().ToLowerInvariant(),
        m.ExpectedAt, m.RunningSince, m.LastCheckInAt, m.Source.ToString(), m.Kind.ToString().ToLowerInvariant(),
        m.Uptime is { } u ? new(u.SafeUrl, u.Method.ToString().ToUpperInvariant(), u.TimeoutSeconds, u.StatusText, u.Keyword, u.FollowRedirects, u.CertificateWarningDays) : null);
}

/// <summary>An uptime check's target as the API shows it.</summary>
public sealed record UptimeEntry(string Url, string Method, int TimeoutSeconds, string ExpectedStatus, string? Keyword, bool FollowRedirects, int CertificateWarningDays);

/// <summary>A run of a monitor; <c>durationSeconds</c> once it ended.</summary>
public sealed record MonitorRun(string CheckInId, string Status, DateTime StartedAt, DateTime? FinishedAt, double? DurationSeconds, string? Environment,
    int? ExitStatus, string? Log);

/// <summary>
/// A monitor to create or change: <c>schedule</c> a crontab ("0 2 * * *") in <c>timezone</c>, or <c>intervalSeconds</c>;
/// <c>checkinMargin</c> and <c>maxRuntime</c> in minutes, as Sentry's <c>monitor_config</c>. With <c>url</c> it is an
/// uptime check requested every <c>intervalSeconds</c> (at least 30): <c>method</c> GET or HEAD, <c>expectedStatus</c>
/// "200-399", <c>keyword</c>, <c>followRedirects</c>, <c>certificateWarningDays</c>; <c>failureIssueThreshold</c> 2 by default.
/// </summary>
public sealed record MonitorRequest(long ProjectId, string Slug, string? Schedule = null, long IntervalSeconds = 0, string? Timezone = null,
    int CheckinMargin = 1, int? MaxRuntime = null, int? FailureIssueThreshold = null, int RecoveryThreshold = 1,
    string? Url = null, string Method = "GET", int TimeoutSeconds = 10, string ExpectedStatus = "200-399", string? Keyword = null,
    bool FollowRedirects = true, int CertificateWarningDays = 14)
{
    public IMonitorDefinition Definition() => Url is not null
        ? new ConfiguredUptimeCheck
        {
            Url = Url, Method = Enum.TryParse<UptimeMethod>(Method, ignoreCase: true, out var method) && Enum.IsDefined(method) ? method : (UptimeMethod)(-1), IntervalSeconds = IntervalSeconds, TimeoutSeconds = TimeoutSeconds, ExpectedStatus = ExpectedStatus,
            Keyword = Keyword, FollowRedirects = FollowRedirects, CertificateWarningDays = CertificateWarningDays,
            FailureIssueThreshold = FailureIssueThreshold ?? 2, RecoveryThreshold = RecoveryThreshold,
        }.Definition()
        : new MonitorDefinition(string.IsNullOrWhiteSpace(Schedule) ? ScheduleType.Interval : ScheduleType.Crontab, Schedule,
            IntervalSeconds, Timezone, CheckinMargin, MaxRuntime, FailureIssueThreshold ?? 1, RecoveryThreshold);
}

/// <summary>The JSON API for cron monitors: <c>/api/v1/monitors</c>.</summary>
public static class MonitorsApi
{
    private const int RunsShown = 50;

    public static RouteGroupBuilder MapMonitorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/monitors").WithTags("Monitors").RequireAuthorization(DashboardExtensions.Policy)
            .AddEndpointFilter(IncidentsApi.CookieCallsNeedAntiforgery)
            .ProducesProblem(401).ProducesProblem(403);
        api.MapGet("/", List).WithName("ListMonitors");
        api.MapGet("/{id:long}", Get).WithName("GetMonitor");
        api.MapGet("/{id:long}/runs", Runs).WithName("ListMonitorRuns").WithSummary("The monitor's latest runs, newest first.");
        api.MapPost("/", Create).WithName("CreateMonitor").ProducesProblem(400).ProducesProblem(409);
        api.MapPut("/{id:long}", Update).WithName("UpdateMonitor").ProducesProblem(400);
        api.MapPost("/{id:long}/pause", (long id, MonitorCatalog c, CancellationToken ct) => Pause(id, true, c, ct)).WithName("PauseMonitor");
        api.MapPost("/{id:long}/resume", (long id, MonitorCatalog c, CancellationToken ct) => Pause(id, false, c, ct)).WithName("ResumeMonitor");
        api.MapDelete("/{id:long}", Delete).WithName("DeleteMonitor");
        return api;
    }

    private static async Task<Ok<List<MonitorEntry>>> List(MonitorCatalog catalog, long? projectId, CancellationToken ct) =>
        TypedResults.Ok((await catalog.ListAsync(projectId, ct)).Select(MonitorEntry.Of).ToList());

    private static async Task<Results<Ok<MonitorEntry>, NotFound>> Get(long id, MonitorCatalog catalog, CancellationToken ct) =>
        await catalog.FindAsync(id, ct) is { } m ? TypedResults.Ok(MonitorEntry.Of(m)) : TypedResults.NotFound();

    private static async Task<Results<Ok<List<MonitorRun>>, NotFound>> Runs(long id, AlertsDbContext db, CancellationToken ct)
    {
        if (!await db.Monitors.AnyAsync(m => m.Id == id, ct)) return TypedResults.NotFound();
        var runs = await db.MonitorCheckIns.Where(c => c.MonitorId == id).OrderByDescending(c => c.StartedAt).ThenByDescending(c => c.Id).Take(RunsShown)
            .ToListAsync(ct);
        return TypedResults.Ok(runs.Select(r => new MonitorRun(r.CheckInId, Status(r.Status), r.StartedAt, r.FinishedAt, r.DurationSeconds, r.Environment, r.ExitStatus, r.Log)).ToList());
    }

    /// <summary>Sentry's words for a run's status.</summary>
    public static string Status(CheckInStatus s) => s switch
    {
        CheckInStatus.InProgress => "in_progress",
        CheckInStatus.Ok => "ok",
        CheckInStatus.Error => "error",
        CheckInStatus.Missed => "missed",
        _ => "timeout",
    };

    private static async Task<Results<Created<MonitorEntry>, ValidationProblem, ProblemHttpResult>> Create(
        MonitorRequest request, MonitorCatalog catalog, CancellationToken ct)
    {
        var (monitor, errors, exists) = await AddAsync(request, catalog, ct);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        if (exists) return TypedResults.Problem(statusCode: 409, title: "Monitor exists", detail: $"{ExistsMessage(request)} PUT changes it.");
        return TypedResults.Created($"/api/v1/monitors/{monitor!.Id}", MonitorEntry.Of(monitor));
    }

    /// <summary>
    /// Adds a monitor as the API and the Monitors page do: the request's errors by field, or whether the project has a
    /// monitor of that slug already, or the new monitor.
    /// </summary>
    public static async Task<(CronMonitor? Monitor, Dictionary<string, string[]>? Errors, bool Exists)> AddAsync(
        MonitorRequest request, MonitorCatalog catalog, CancellationToken ct)
    {
        var definition = request.Definition();
        if (MonitorCatalog.Errors(request.Slug, definition) is { Count: > 0 } errors) return (null, errors, false);
        var slug = MonitorCatalog.NormalizeSlug(request.Slug)!;
        if (!await catalog.ProjectExistsAsync(request.ProjectId, ct))
            return (null, new Dictionary<string, string[]> { ["projectId"] = [$"There is no project {request.ProjectId}."] }, false);
        if (await catalog.FindAsync(request.ProjectId, slug, ct) is not null) return (null, null, true);
        var (monitor, _) = await catalog.UpsertAsync(request.ProjectId, slug, definition, MonitorSource.Api, ct);
        return (monitor, null, false);
    }

    public static string ExistsMessage(MonitorRequest request) =>
        $"Project {request.ProjectId} has a monitor '{MonitorCatalog.NormalizeSlug(request.Slug)}' already.";

    private static async Task<Results<Ok<MonitorEntry>, NotFound, ValidationProblem>> Update(long id, MonitorRequest request, MonitorCatalog catalog, CancellationToken ct)
    {
        if (request.Definition().Errors() is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        if (!await catalog.UpdateAsync(id, request.Definition(), ct)) return TypedResults.NotFound();
        return TypedResults.Ok(MonitorEntry.Of((await catalog.FindAsync(id, ct))!));
    }

    private static async Task<Results<Ok<MonitorEntry>, NotFound>> Pause(long id, bool paused, MonitorCatalog catalog, CancellationToken ct) =>
        await catalog.SetPausedAsync(id, paused, ct) && await catalog.FindAsync(id, ct) is { } m ? TypedResults.Ok(MonitorEntry.Of(m)) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Delete(long id, MonitorCatalog catalog, CancellationToken ct) =>
        await catalog.DeleteAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

}
