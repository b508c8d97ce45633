using Alerts.Core.Monitors;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alerts.Dashboard.Tests;

/// <summary>
/// The Monitors page in a real browser: a cron monitor's state, timeline and runs with their durations, and an uptime
/// check's uptime and mean response time per day, from runs recorded on a fake clock. No notifier runs here, so no
/// due-check adds runs of its own.
/// </summary>
public sealed class MonitorsPageTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 6, 2, 3, 0, 0, TimeSpan.Zero));
    private AlertsTestApp _app = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Monitors:Cron:0:Project"] = "1",
            ["Alerts:Monitors:Cron:0:Slug"] = "nightly-backup",
            ["Alerts:Monitors:Cron:0:Schedule"] = "0 3 * * *",
            ["Alerts:Monitors:Uptime:0:Project"] = "1",
            ["Alerts:Monitors:Uptime:0:Slug"] = "website",
            ["Alerts:Monitors:Uptime:0:Url"] = "https://shop.example.com/health",
        }, Roles.Collector | Roles.Dashboard, s => s.AddSingleton<TimeProvider>(_clock));
        await DashboardSession.CreateUserAsync(_app);
        _context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = _app.BaseAddress.ToString() });
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        await _app.DisposeAsync();
    }

    private async Task<long> IdAsync(string slug) =>
        (await _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, slug, CancellationToken.None))!.Id;

    [Fact]
    public async Task MonitorsPage_ShowsStateRunsAndDurations_AndUptimePerDay()
    {
        var recorder = _app.Services.GetRequiredService<MonitorRecorder>();
        var backup = await IdAsync("nightly-backup");
        var website = await IdAsync("website");
        Task CheckIn(long id, CheckInStatus status, double? seconds = null, string? log = null) =>
            recorder.CheckInAsync(id, new CheckInReport(status, DurationSeconds: seconds, Log: log), CancellationToken.None);

        // 2 June: the backup runs 03:00-03:02; the website answers three times, once with a 500.
        await CheckIn(backup, CheckInStatus.InProgress);
        _clock.Advance(TimeSpan.FromMinutes(2));
        await CheckIn(backup, CheckInStatus.Ok);
        await CheckIn(website, CheckInStatus.Ok, 0.1);
        await CheckIn(website, CheckInStatus.Error, 0.05, "status 500, expected 200-399");
        await CheckIn(website, CheckInStatus.Ok, 0.3);
        // 3 June: one good check.
        _clock.SetUtcNow(new DateTimeOffset(2026, 6, 3, 9, 0, 0, TimeSpan.Zero));
        await CheckIn(website, CheckInStatus.Ok, 0.25);

        await _page.GotoAsync("/login");
        await _page.GetByLabel("E-mail").FillAsync(DashboardSession.Email);
        await _page.GetByLabel("Password").FillAsync(DashboardSession.Password);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Incidents" })).ToBeVisibleAsync();
        await _page.GotoAsync("/monitors");

        var cron = _page.Locator("tr[data-monitor='nightly-backup']");
        await Expect(cron.Locator("td.state")).ToHaveTextAsync("up");
        await Expect(cron).ToContainTextAsync("0 3 * * *");
        await Expect(cron.Locator("svg.timeline rect")).ToHaveCountAsync(1);
        await Expect(cron.Locator("table.runs tr")).ToHaveCountAsync(1);
        await Expect(cron.Locator("table.runs tr").First).ToContainTextAsync("2 min");

        var uptime = _page.Locator("tr[data-monitor='website']");
        await Expect(uptime).ToContainTextAsync("uptime check");
        await Expect(uptime.Locator("td.state")).ToHaveTextAsync("up");
        await Expect(uptime.Locator("svg.timeline rect")).ToHaveCountAsync(4);
        // The last seven days, oldest first: nothing before 2 June, then 2 of 3 and 1 of 1 good; means of the good answers.
        var days = uptime.Locator("table.uptime tr");
        await Expect(days.Nth(0).Locator("th")).ToHaveTextAsync(["05-28", "05-29", "05-30", "05-31", "06-01", "06-02", "06-03"]);
        await Expect(days.Nth(1).Locator("td")).ToHaveTextAsync(["—", "—", "—", "—", "—", "66.67 %", "100 %"]);
        await Expect(days.Nth(2).Locator("td")).ToHaveTextAsync(["—", "—", "—", "—", "—", "200 ms", "250 ms"]);
        await Expect(uptime.Locator("table.runs")).ToContainTextAsync("status 500, expected 200-399");
    }
}
