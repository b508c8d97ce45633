using System.Net;
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

        await Browser.LogInAsync(_page);
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

    [Fact]
    public async Task AddForm_RefusesABadCrontabNamingIt_KeepsWhatWasTyped_ThenAddsACronMonitorAndAnUptimeCheck()
    {
        await Browser.LogInAsync(_page);
        await _page.GotoAsync("/monitors");
        var form = _page.Locator("form.add-monitor");

        await form.GetByLabel("Project").SelectOptionAsync(AlertsTestApp.ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await form.GetByLabel("Slug").FillAsync("invoices");
        await form.GetByLabel("Crontab").FillAsync("0 25 * * *");
        await form.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("schedule");
        await Expect(form.GetByLabel("Slug")).ToHaveValueAsync("invoices");
        await Expect(form.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Berlin");
        await Expect(form.GetByLabel("Project")).ToHaveValueAsync("1");
        await Expect(_page.Locator("tr[data-monitor='invoices']")).ToHaveCountAsync(0);

        await form.GetByLabel("Crontab").FillAsync("0 5 * * 1-5");
        await form.GetByLabel("Max runtime (min)").FillAsync("30");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        var cron = _page.Locator("tr[data-monitor='invoices']");
        await Expect(cron.Locator("td.state")).ToHaveTextAsync("new");
        await Expect(cron).ToContainTextAsync("/ping/");
        await Expect(_page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        var added = (await _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, "invoices", CancellationToken.None))!;
        Assert.Equal(("0 5 * * 1-5", "Europe/Berlin", 30), (added.Crontab, added.TimeZone, added.MaxRuntimeMinutes));

        await form.GetByLabel("Project").SelectOptionAsync(AlertsTestApp.ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await form.GetByLabel("Slug").FillAsync("invoices");
        await form.GetByLabel("Interval (s)").FillAsync("300");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("has a monitor 'invoices' already");

        await form.GetByLabel("Slug").FillAsync("api-health");
        await form.GetByLabel("Interval (s)").FillAsync("");
        await form.GetByLabel("URL (uptime check)").FillAsync("https://shop.example.com/api/health");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(_page.Locator("tr[data-monitor='api-health']")).ToContainTextAsync("uptime check");
    }

    [Fact]
    public async Task AddForm_PostedFromAnotherSiteWithOnlyTheLoginCookie_IsRefused_AndAddsNothing()
    {
        using var victim = await DashboardSession.SignedInClientAsync(_app);
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/monitors?handler=Add")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["ProjectId"] = "1", ["Slug"] = "planted", ["IntervalSeconds"] = "60" }),
        };
        forged.Headers.Add("Origin", "http://evil.example");

        using var response = await victim.SendAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, "planted", CancellationToken.None));
    }

    [Fact]
    public async Task AddForm_Anonymous_IsSentToLogin_AndAddsNothing()
    {
        using var anonymous = DashboardSession.AnonymousClient(_app);

        using var response = await anonymous.PostAsync("/monitors?handler=Add",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["ProjectId"] = "1", ["Slug"] = "planted", ["IntervalSeconds"] = "60" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
        Assert.Null(await _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, "planted", CancellationToken.None));
    }

    [Theory]
    [InlineData("ProjectId=abc&Slug=x&IntervalSeconds=60", "ProjectId")]
    [InlineData("ProjectId=1&Slug=x&IntervalSeconds=99999999999999999999999", "IntervalSeconds")]
    [InlineData("ProjectId=1&Slug=Not%20A%20Slug&IntervalSeconds=60", "slug")]
    [InlineData("ProjectId=1&Slug=x&Url=ftp%3A%2F%2Fexample.com%2F", "url")]
    [InlineData("ProjectId=9&Slug=x&IntervalSeconds=60", "There is no project 9")]
    public async Task AddForm_BadFields_AreA400NamingThem_NeverA5xx(string body, string named)
    {
        using var client = await DashboardSession.SignedInClientAsync(_app);
        var page = await client.GetStringAsync("/monitors");
        var token = WebUtility.HtmlDecode(DashboardSession.AntiforgeryField().Match(page).Groups[1].Value);

        using var response = await client.PostAsync("/monitors?handler=Add",
            new StringContent($"{body}&__RequestVerificationToken={Uri.EscapeDataString(token)}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, (await _app.Services.GetRequiredService<MonitorCatalog>().ListAsync(null, CancellationToken.None)).Count);
    }

}

