using System.Collections.Concurrent;
using System.Diagnostics;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.SelfMonitoring;

/// <summary>
/// Alerts watches itself: its own failures become events of a built-in project, handed on as the process's roles allow
/// (<see cref="ISelfMonitorHandoff"/>) and mailed to ADMINS; when the database is what broke, ADMINS get a plain mail directly.
/// </summary>
public sealed class SelfMonitor(
    ISelfMonitorHandoff handoff,
    IDbContextFactory<AlertsDbContext> factory,
    IMailSender sender,
    IOptionsMonitor<AlertsOptions> settings,
    TimeProvider clock,
    ILogger<SelfMonitor> logger)
{
    /// <summary>The built-in project; configured projects have positive ids.</summary>
    public const long ProjectId = ProjectSeeder.BuiltInProjectId;

    // A broken pipeline fails on every event: one direct mail per problem per half hour is enough.
    private static readonly TimeSpan DirectMailInterval = TimeSpan.FromMinutes(30);
    private readonly ConcurrentDictionary<string, DateTime> _directMails = new(StringComparer.Ordinal);
    private static readonly AsyncLocal<bool> Reporting = new();

    public Task ReportAsync(Exception exception, string where, CancellationToken ct) =>
        ReportAsync(Payload(exception, where), ct);

    public Task ReportAsync(string problem, string detail, string where, CancellationToken ct) =>
        ReportAsync(new EventPayload
        {
            Kind = EventKinds.Error,
            Level = "error",
            Message = $"{where}: {detail}",
            Exception = new ExceptionInfo { Type = problem, Value = detail, Module = "Alerts" },
            Fingerprint = ["self", problem, where], // every occurrence of one problem is one incident, whatever its detail
            ServerName = Environment.MachineName,
        }, ct);

    private async Task ReportAsync(EventPayload payload, CancellationToken ct)
    {
        if (Reporting.Value) return; // a failure while reporting a failure must not loop
        Reporting.Value = true;
        try
        {
            payload.Timestamp = clock.GetUtcNow().UtcDateTime;
            payload.Release ??= typeof(SelfMonitor).Assembly.GetName().Version?.ToString();
            try
            {
                await handoff.HandOffAsync(await StoreAsync(payload, ct), ct);
            }
            catch (Exception storeFailure) when (storeFailure is not OperationCanceledException)
            {
                logger.LogError(storeFailure, "Could not record a self-monitoring incident; mailing ADMINS directly");
                await MailDirectlyAsync(payload, storeFailure, ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Self-monitoring could not report {Problem}", payload.Exception?.Type);
        }
        finally
        {
            Reporting.Value = false;
        }
    }

    private async Task<string> StoreAsync(EventPayload payload, CancellationToken ct)
    {
        var stored = StoredEvent.Create(ProjectId, EventKind.Error, payload, clock.GetUtcNow().UtcDateTime);
        await using var db = await factory.CreateDbContextAsync(ct);
        db.Events.Add(stored);
        await db.SaveChangesAsync(ct);
        return stored.Id;
    }

    private async Task MailDirectlyAsync(EventPayload payload, Exception storeFailure, CancellationToken ct)
    {
        var options = settings.CurrentValue;
        if (options.Admins.Count == 0) return;
        var key = payload.Exception?.Type ?? payload.Message ?? "";
        var now = clock.GetUtcNow().UtcDateTime;
        if (_directMails.TryGetValue(key, out var last) && now - last < DirectMailInterval) return;
        _directMails[key] = now;
        var message = SummaryMails.FailingItself(payload, storeFailure, options);
        var result = await sender.SendAsync([message], ct).FirstAsync(ct);
        if (result.Outcome != SendOutcome.Sent) logger.LogError("Could not mail ADMINS about a failure of Alerts itself: {Detail}", result.Detail);
    }

    /// <summary>An exception as an event of the built-in project: its .NET stack as frames, Alerts' own code in-app.</summary>
    internal static EventPayload Payload(Exception exception, string where)
    {
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames()
            .Select(f => f.GetMethod() is { } m ? new FrameInfo
            {
                Function = m.Name,
                Module = m.DeclaringType?.FullName,
                Filename = f.GetFileName() is { } file ? Path.GetFileName(file) : null,
                Lineno = f.GetFileLineNumber() is > 0 and var line ? line : null,
                InApp = m.DeclaringType?.Namespace?.StartsWith("Alerts", StringComparison.Ordinal) == true,
            } : null)
            .OfType<FrameInfo>()
            .Reverse() // innermost last, as tracebacks read
            .ToList();
        return new EventPayload
        {
            Kind = EventKinds.Error,
            Level = "error",
            Message = $"{where}: {exception.Message}",
            Exception = new ExceptionInfo { Type = exception.GetType().FullName, Value = exception.Message, Module = exception.Source, Frames = frames },
            ServerName = Environment.MachineName,
        };
    }
}
