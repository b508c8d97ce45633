using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Alerts.Core.Domain;
using Alerts.Core.Monitors;
using Alerts.Notifier.Monitors;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using CheckInStatus = Alerts.Core.Monitors.CheckInStatus;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// Cron monitors end to end: real clients (curl from a shell loop, the .NET Sentry SDK) check in to a real host whose
/// clock is a <see cref="FakeTimeProvider"/>; the due-check runs as the recurring job would; mail goes to aiosmtpd.
/// </summary>
public sealed class MonitorTests : IAsyncLifetime
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(20);
    private const long ReportsProject = 2;
    private const string ReportsKey = "5d2c81f04a9e4b7c8e13f6a0b2d94c57";

    // Saturday 28 March 2026, 00:00 UTC: the night before Berlin's clocks go forward.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero));
    private AiosmtpdServer _smtp = null!;
    private AlertsTestApp _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = await AiosmtpdServer.StartAsync(startTls: false, requireStartTls: false);
        _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = _smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Alerts:DashboardUrl"] = "http://alerts.example.com",
            // Declared in configuration, upserted at start: a nightly job at 02:30 Berlin time, ten minutes' grace.
            ["Alerts:Monitors:Cron:0:Project"] = "1",
            ["Alerts:Monitors:Cron:0:Slug"] = "nightly-backup",
            ["Alerts:Monitors:Cron:0:Schedule"] = "30 2 * * *",
            ["Alerts:Monitors:Cron:0:TimeZone"] = "Europe/Berlin",
            ["Alerts:Monitors:Cron:0:CheckinMarginMinutes"] = "10",
            ["Alerts:Monitors:Cron:0:MaxRuntimeMinutes"] = "60",
            // A key as `alerts projects add` makes them: @sentry/node refuses a DSN whose key is not letters and digits.
            ["Alerts:Projects:1:Id"] = ReportsProject.ToString(CultureInfo.InvariantCulture),
            ["Alerts:Projects:1:Name"] = "reports",
            ["Alerts:Projects:1:Key"] = ReportsKey,
        }, services: s => s.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    private Task<CronMonitor?> MonitorAsync(string slug, long project = AlertsTestApp.ProjectId) =>
        _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(project, slug, CancellationToken.None);

    /// <summary>One due-check at the fake clock's time, as the Hangfire recurring job runs it.</summary>
    private async Task DueCheckAsync()
    {
        using var scope = _app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<MonitorDueCheckJob>().RunAsync(CancellationToken.None);
    }

    private static async Task<(int ExitCode, string Output)> ShellAsync(string script)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private async Task<List<MonitorCheckIn>> RunsAsync(long monitorId) =>
        await _app.QueryAsync(db => db.MonitorCheckIns.Where(c => c.MonitorId == monitorId).OrderBy(c => c.Id).ToListAsync());

    [Fact]
    public async Task CurlPings_FromAShellLoop_MissAcrossTheDstChange_MailOnce_FailWithLog_AndRecoverInTheThread()
    {
        var monitor = (await MonitorAsync("nightly-backup"))!;
        Assert.NotNull(monitor);
        Assert.Equal(MonitorState.New, monitor.State);
        // Declared in configuration, so its first run is expected: 02:30 CET on the 28th.
        Assert.Equal(new DateTime(2026, 3, 28, 1, 30, 0, DateTimeKind.Utc), monitor.ExpectedAt);

        // 02:31 Berlin: the crontab's job runs, as healthchecks.io's one-liners do: start, then success with its output.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 28, 1, 31, 0, TimeSpan.Zero));
        var ping = new Uri(_app.BaseAddress, $"/ping/{monitor.Uuid}").AbsoluteUri;
        var shell = await ShellAsync($"""
            for step in start ""; do curl -fsS -m 10 --retry 3 "{ping}/$step" -o /dev/null || exit 1; done
            echo "backup done: 42 files" | curl -fsS -m 10 --data-binary @- "{ping}/0"
            """);
        Assert.True(shell.ExitCode == 0, shell.Output);
        monitor = (await MonitorAsync("nightly-backup"))!;
        Assert.Equal(MonitorState.Up, monitor.State);
        // The next run is 02:30 on the 29th, which does not exist in Berlin: Cronos takes 03:00 CEST, 01:00 UTC.
        Assert.Equal(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc), monitor.ExpectedAt);
        var runs = await RunsAsync(monitor.Id);
        Assert.Equal(2, runs.Count); // the start and its end are one run; the /0 ping is a run of its own with its log
        Assert.Equal("backup done: 42 files\n", runs[^1].Log);

        // The job does not run on the 29th. Within the margin it is late; past it, missed: one mail, however often the check runs.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 29, 1, 5, 0, TimeSpan.Zero));
        await DueCheckAsync();
        Assert.Equal(MonitorState.Late, (await MonitorAsync("nightly-backup"))!.State);
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 29, 1, 11, 0, TimeSpan.Zero));
        await DueCheckAsync();
        await DueCheckAsync();
        var down = Assert.Single(await _smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("MONITOR DOWN", down.Subject, StringComparison.Ordinal);
        Assert.Contains("nightly-backup missed its check-in", down.Subject, StringComparison.Ordinal);
        Assert.Contains("Expected at: 2026-03-29 01:00:00 UTC", down.Text, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], down.To);
        Assert.Equal(MonitorState.Down, (await MonitorAsync("nightly-backup"))!.State);

        // It comes back: one "recovered" mail, in the down mail's thread.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 29, 2, 0, 0, TimeSpan.Zero));
        using (var ok = await _app.Client.GetAsync(new Uri(ping)))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var mails = await _smtp.WaitForMailsAsync(2, MailTimeout);
        var recovered = mails[1];
        Assert.Contains("RECOVERED: Monitor nightly-backup recovered", recovered.Subject, StringComparison.Ordinal);
        Assert.Contains(down.MessageId.Trim('<', '>'), recovered.Headers["In-Reply-To"], StringComparison.Ordinal);
        await DueCheckAsync(); // the reconciliation finds nothing left to recover
        Assert.Equal(NotificationReason.Recovered, await _app.QueryAsync(db => db.Notifications.OrderBy(n => n.Id).Select(n => n.Cause).LastAsync()));

        // A failing run by slug with exit status 3 posts its output: the mail carries it (a regression of the resolved incident).
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 30, 0, 40, 0, TimeSpan.Zero));
        using (var fail = await _app.Client.PostAsync($"/ping/{AlertsTestApp.ProjectKey}/nightly-backup/3", new StringContent("pg_dump: error: connection refused")))
            Assert.Equal(HttpStatusCode.OK, fail.StatusCode);
        mails = await _smtp.WaitForMailsAsync(3, MailTimeout);
        Assert.Contains("nightly-backup failed", mails[2].Subject, StringComparison.Ordinal);
        Assert.Contains("pg_dump: error: connection refused", mails[2].Text, StringComparison.Ordinal);
        Assert.Contains("Exit status: 3", mails[2].Text, StringComparison.Ordinal);
        Assert.Contains("pg_dump: error: connection refused", mails[2].Html, StringComparison.Ordinal);
        Assert.Equal(3, (await _smtp.GetMailsAsync()).Count);
    }

    [Fact]
    public async Task RunInProgress_SurvivesARestartOfTheCheck_AndTimesOutPastMaxRuntime()
    {
        var monitor = (await MonitorAsync("nightly-backup"))!;
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero));
        using (var start = await _app.Client.PostAsync($"/ping/{monitor.Uuid}/start", null))
            Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        // The run's start lives in the monitor's row, not in memory: a due-check any time later (after a restart) still sees it.
        _clock.Advance(TimeSpan.FromMinutes(59));
        await DueCheckAsync();
        Assert.Equal(MonitorState.New, (await MonitorAsync("nightly-backup"))!.State);
        _clock.Advance(TimeSpan.FromMinutes(2));
        await DueCheckAsync();
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("nightly-backup timed out", mail.Subject, StringComparison.Ordinal);
        var run = Assert.Single(await RunsAsync(monitor.Id));
        Assert.Equal(CheckInStatus.TimedOut, run.Status);
        Assert.Equal(61 * 60, run.DurationSeconds);
    }

    [Theory]
    [InlineData("/ping/00000000-0000-0000-0000-000000000000", 404)]
    [InlineData("/ping/not-a-key/nightly-backup", 404)]
    [InlineData("/ping/" + AlertsTestApp.ProjectKey + "/nightly-backup/bogus", 400)]
    [InlineData("/ping/" + AlertsTestApp.ProjectKey + "/nightly-backup/256", 400)]
    [InlineData("/api/1/cron/nightly-backup/" + AlertsTestApp.ProjectKey + "/?status=done", 400)]
    [InlineData("/api/1/cron/nightly-backup/wrong-key/?status=ok", 401)]
    [InlineData("/api/1/cron/no-such-monitor/" + AlertsTestApp.ProjectKey + "/?status=ok", 404)]
    public async Task BadCheckIns_AreProblemDetails(string path, int status)
    {
        using var response = await _app.Client.GetAsync(path);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DotnetSentrySdk_CaptureCheckIn_UpsertsTheMonitor_AndAnErrorMailsTheAdmins()
    {
        var dsn = $"http://{AlertsTestApp.ProjectKey}@{_app.BaseAddress.Authority}/{AlertsTestApp.ProjectId}";
        // A client of its own (not the static SentrySdk, which other test classes use at the same time): the same CaptureCheckIn.
        using var client = new SentryClient(new SentryOptions { Dsn = dsn, Environment = "production" });
        void Configure(SentryMonitorOptions o)
        {
            o.Interval(1, SentryMonitorInterval.Hour);
            o.CheckInMargin = TimeSpan.FromMinutes(5);
            o.MaxRuntime = TimeSpan.FromMinutes(30);
            o.FailureIssueThreshold = 1;
            o.RecoveryThreshold = 1;
        }
        var id = client.CaptureCheckIn("invoice-run", Sentry.CheckInStatus.InProgress, configureMonitorOptions: Configure);
        await client.FlushAsync(TimeSpan.FromSeconds(15));
        var monitor = await Wait.UntilAsync(async () => await MonitorAsync("invoice-run") is { RunningSince: not null } m ? m : null,
            TimeSpan.FromSeconds(15), "the monitor upserted by the first check-in");
        Assert.Equal(ScheduleType.Interval, monitor.ScheduleType);
        Assert.Equal(3600, monitor.IntervalSeconds);
        Assert.Equal(30, monitor.MaxRuntimeMinutes);

        client.CaptureCheckIn("invoice-run", Sentry.CheckInStatus.Error, id, TimeSpan.FromSeconds(12), configureMonitorOptions: Configure);
        await client.FlushAsync(TimeSpan.FromSeconds(15));
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("invoice-run failed", mail.Subject, StringComparison.Ordinal);
        var run = Assert.Single(await RunsAsync(monitor.Id));
        Assert.Equal((CheckInStatus.Error, 12.0, "production"), (run.Status, run.DurationSeconds, run.Environment));

        // Sentry's HTTP check-in URL, as its docs give it for curl.
        using var ok = await _app.Client.GetAsync($"/api/1/cron/invoice-run/{AlertsTestApp.ProjectKey}/?status=ok");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var mails = await _smtp.WaitForMailsAsync(2, MailTimeout);
        Assert.Contains("invoice-run recovered", mails[1].Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeSentrySdk_WithMonitor_UpsertsTheMonitor_MailsAFailureAndAnOverrun_AndTheRecoveries()
    {
        var dsn = $"http://{ReportsKey}@{_app.BaseAddress.Authority}/{ReportsProject}";
        var monitorMails = new List<ReceivedMail>();
        async Task<ReceivedMail> NextMonitorMailAsync()
        {
            var mail = await Wait.UntilAsync(async () => (await _smtp.GetMailsAsync())
                    .Where(m => m.Subject.Contains("nightly-report", StringComparison.Ordinal)).Skip(monitorMails.Count).FirstOrDefault(),
                MailTimeout, "the next mail about the monitor nightly-report");
            monitorMails.Add(mail);
            return mail;
        }

        // 04:01 Berlin on the 28th: the job's first run creates the monitor from withMonitor's config with its in_progress
        // check-in (held until then: the SDK sends its two check-ins at once, and Sentry too drops an end whose monitor
        // does not exist yet), and succeeds.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 28, 3, 1, 0, TimeSpan.Zero));
        await using (var first = NodeScript.Start("monitor.cjs", dsn, "hold"))
        {
            await Wait.UntilAsync(async () => await MonitorAsync("nightly-report", ReportsProject) is { RunningSince: not null } m ? m : null,
                TimeSpan.FromSeconds(15), "the monitor upserted by withMonitor's first check-in");
            await first.WriteLineAsync("finish");
            await first.ExitedAsync();
        }
        var monitor = await Wait.UntilAsync(async () => await MonitorAsync("nightly-report", ReportsProject) is { State: MonitorState.Up } m ? m : null,
            TimeSpan.FromSeconds(15), "the monitor up after its first run");
        Assert.Equal((ScheduleType.Crontab, "0 4 * * *", "Europe/Berlin", 5, 10),
            (monitor.ScheduleType, monitor.Crontab, monitor.TimeZone, monitor.MarginMinutes, monitor.MaxRuntimeMinutes));
        Assert.Equal(new DateTime(2026, 3, 29, 2, 0, 0, DateTimeKind.Utc), monitor.ExpectedAt); // 04:00 CEST after the change
        var run = Assert.Single(await RunsAsync(monitor.Id)); // in_progress and ok with one check_in_id: one run
        Assert.Equal((CheckInStatus.Ok, "production"), (run.Status, run.Environment));
        Assert.InRange(run.DurationSeconds ?? -1, 0.04, 30); // the duration the SDK measured

        // The next night the job throws: the SDK's error check-in mails the admins (threshold 1).
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 29, 2, 1, 0, TimeSpan.Zero));
        await NodeScript.RunAsync("monitor.cjs", dsn, "fail");
        var failed = await NextMonitorMailAsync();
        Assert.Contains("MONITOR DOWN", failed.Subject, StringComparison.Ordinal);
        Assert.Contains("nightly-report failed", failed.Subject, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], failed.To);

        // The night after it works again: one recovered mail in the thread.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 30, 2, 1, 0, TimeSpan.Zero));
        await NodeScript.RunAsync("monitor.cjs", dsn, "ok");
        var recovered = await NextMonitorMailAsync();
        Assert.Contains("nightly-report recovered", recovered.Subject, StringComparison.Ordinal);
        Assert.Contains(failed.MessageId.Trim('<', '>'), recovered.Headers["In-Reply-To"], StringComparison.Ordinal);

        // Then a run hangs past max_runtime (10 minutes): the due-check times it out while the job is still running.
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 31, 2, 1, 0, TimeSpan.Zero));
        await using (var overrun = NodeScript.Start("monitor.cjs", dsn, "hold"))
        {
            await Wait.UntilAsync(async () => await MonitorAsync("nightly-report", ReportsProject) is { RunningSince: not null } m ? m : null,
                TimeSpan.FromSeconds(15), "the overrunning run's in_progress check-in");
            _clock.Advance(TimeSpan.FromMinutes(9));
            await DueCheckAsync();
            var stillRunning = (await RunsAsync(monitor.Id))[^1];
            Assert.Equal(CheckInStatus.InProgress, stillRunning.Status); // 9 minutes of 10: not timed out yet
            Assert.NotNull((await MonitorAsync("nightly-report", ReportsProject))!.RunningSince);
            _clock.Advance(TimeSpan.FromMinutes(2));
            await DueCheckAsync();
            var timedOut = await NextMonitorMailAsync();
            Assert.Contains("nightly-report timed out", timedOut.Subject, StringComparison.Ordinal);
            var hung = (await RunsAsync(monitor.Id))[^1];
            Assert.Equal((CheckInStatus.TimedOut, 11.0 * 60), (hung.Status, hung.DurationSeconds));

            // The job finishes at last: as in Sentry, its late ok does not undo the timeout; the monitor stays down.
            // (A check-in is recorded before it is answered, and the script exits 0 only once the SDK's posts were answered.)
            await overrun.WriteLineAsync("finish");
            await overrun.ExitedAsync();
        }
        Assert.Equal(CheckInStatus.TimedOut, (await RunsAsync(monitor.Id))[^1].Status);
        Assert.Equal(MonitorState.Down, (await MonitorAsync("nightly-report", ReportsProject))!.State);

        // The next night's good run recovers it, in the thread.
        _clock.SetUtcNow(new DateTimeOffset(2026, 4, 1, 2, 1, 0, TimeSpan.Zero));
        await NodeScript.RunAsync("monitor.cjs", dsn, "ok");
        var back = await NextMonitorMailAsync();
        Assert.Contains("nightly-report recovered", back.Subject, StringComparison.Ordinal);
        Assert.Equal(MonitorState.Up, (await MonitorAsync("nightly-report", ReportsProject))!.State);
        Assert.Equal([CheckInStatus.Ok, CheckInStatus.Error, CheckInStatus.Ok, CheckInStatus.TimedOut, CheckInStatus.Ok],
            (await RunsAsync(monitor.Id)).Select(r => r.Status));
        Assert.Equal(4, monitorMails.Count); // failed, recovered, timed out, recovered
        await Wait.UntilAsync(() => _app.QueryAsync(db => db.Notifications.AllAsync(n => n.SentAt != null)), MailTimeout, "every notification sent");
        Assert.Equal(4, (await _smtp.GetMailsAsync()).Count(m => m.Subject.Contains("nightly-report", StringComparison.Ordinal)));
        // The exception the app reported from the failed run is an error incident of its own.
        Assert.Contains(await _smtp.GetMailsAsync(), m => m.Subject.Contains("report store unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonApi_CreatesListsPausesAndDeletes_AndTheDashboardShowsTheRuns()
    {
        var token = await _app.Services.GetRequiredService<Alerts.Dashboard.Accounts.ApiTokens>().CreateAsync("monitors", CancellationToken.None);
        using var client = new HttpClient { BaseAddress = _app.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var bad = await client.PostAsync("/api/v1/monitors", JsonContent.Create(new { projectId = 1, slug = "reports", schedule = "99 * * * *" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        using var created = await client.PostAsync("/api/v1/monitors",
            JsonContent.Create(new { projectId = 1, slug = "reports", schedule = "*/15 * * * *", timezone = "America/New_York", maxRuntime = 5 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var entry = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>());
        var id = entry.GetProperty("id").GetInt64();
        Assert.Equal("new", entry.GetProperty("state").GetString());
        using var duplicate = await client.PostAsync("/api/v1/monitors", JsonContent.Create(new { projectId = 1, slug = "reports", intervalSeconds = 60 }));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        using (await _app.Client.PostAsync($"/ping/{entry.GetProperty("uuid").GetGuid()}/start", null)) { }
        _clock.Advance(TimeSpan.FromSeconds(90));
        using (await _app.Client.PostAsync($"/ping/{entry.GetProperty("uuid").GetGuid()}", null)) { }
        var runs = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/monitors/{id}/runs");
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal(("ok", 90.0), (run.GetProperty("status").GetString(), run.GetProperty("durationSeconds").GetDouble()));

        using var paused = await client.PostAsync($"/api/v1/monitors/{id}/pause", null);
        Assert.True((await paused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("paused").GetBoolean());
        var list = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/monitors");
        Assert.Equal(["nightly-backup", "reports"], list.EnumerateArray().Select(m => m.GetProperty("slug").GetString() ?? "").ToArray());
        using var deleted = await client.DeleteAsync($"/api/v1/monitors/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync($"/api/v1/monitors/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
