using System.Net;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alerts.Dashboard.Tests;

/// <summary>What a user does in a real browser: log in, see and open an incident, act on it, and what must never happen.</summary>
public sealed partial class BrowserTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private static readonly TimeSpan Grouped = TimeSpan.FromSeconds(20);
    private AlertsTestApp _app = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _app = await AlertsTestApp.StartAsync();
        await DashboardSession.CreateUserAsync(_app);
        _context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = _app.BaseAddress.ToString() });
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task LoggedOutUser_IsSentToTheLoginPage()
    {
        await _page.GotoAsync("/incidents/1");

        await Expect(_page).ToHaveURLAsync(LoginUrl());
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Incident_PostedThroughTheApi_IsListed_Resolved_ThenRegresses()
    {
        await LogInAsync();
        await PostAsync(SampleEvents.BrokenLink());
        await PostAsync(SampleEvents.Error(type: "KeyError", value: "'basket'", path: "/cart"));
        await PostAsync(SampleEvents.Error());
        await Wait.UntilAsync(async () => await _app.QueryAsync(db => db.Incidents.CountAsync()) == 3, Grouped, "three incidents");
        var id = await _app.QueryAsync(db => db.Incidents.Where(i => i.Title == "ZeroDivisionError: division by zero").Select(i => i.Id).SingleAsync());

        await _page.GotoAsync("/");
        await Expect(_page.Locator("tr[data-incident]")).ToHaveCountAsync(3);
        var row = _page.Locator($"tr[data-incident='{id}']");
        await Expect(row).ToContainTextAsync("ZeroDivisionError: division by zero");
        await Expect(row).ToContainTextAsync("production");
        await Expect(row.Locator("svg.spark rect[height='20']")).ToHaveCountAsync(1); // this hour's bar, full height
        await _page.ScreenshotAsync(new() { Path = ScreenshotPath("incidents.png"), FullPage = true });

        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex($"/incidents/{id}$"));
        await Expect(_page.Locator(".frame.in-app")).ToContainTextAsync("shop/views.py, line 42, in order_detail");
        await Expect(_page.Locator(".frame.in-app pre")).ToContainTextAsync("return total / count");
        await Expect(_page.Locator("table.mails")).ToContainTextAsync("first occurrence");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Expect(_page.Locator("[data-status]")).ToHaveTextAsync("resolved");

        await PostAsync(SampleEvents.Error());
        await IncidentIdAsync(count: 2);
        await _page.ReloadAsync();
        await Expect(_page.Locator("[data-status]")).ToHaveTextAsync("open");
        await Expect(_page.Locator("table.mails")).ToContainTextAsync("regression");
        await _page.ScreenshotAsync(new() { Path = ScreenshotPath("incident.png"), FullPage = true });
    }

    [Fact]
    public async Task Snooze_UntilMoreOccurrences_HoldsBackTheMail()
    {
        await LogInAsync();
        await PostAsync(SampleEvents.Error());
        var id = await IncidentIdAsync(count: 1);
        await _page.GotoAsync($"/incidents/{id}");

        await _page.GetByLabel("Snooze for").SelectOptionAsync("");
        await _page.GetByPlaceholder("N").FillAsync("5");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Snooze" }).ClickAsync();

        await Expect(_page.Locator("[data-status]")).ToHaveTextAsync("snoozed");
        await Expect(_page.Locator("[data-snoozed]")).ToHaveTextAsync("until 6 occurrences");
        var incident = await _app.QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal((IncidentStatus.Snoozed, (long?)6, (DateTime?)null), (incident.Status, incident.SnoozedUntilCount, incident.SnoozedUntil));
    }

    [Fact]
    public async Task ScriptInAnEvent_ShowsAsText_AndDoesNotRun()
    {
        const string Script = "<script>window.__xss=1</script>";
        await LogInAsync();
        await PostAsync(SampleEvents.Error(type: "TypeError", value: Script));
        var id = await IncidentIdAsync(count: 1);

        await _page.GotoAsync("/");
        await Expect(_page.Locator($"tr[data-incident='{id}']")).ToContainTextAsync(Script);
        Assert.True(await _page.EvaluateAsync<bool>("() => window.__xss === undefined"));

        await _page.GotoAsync($"/incidents/{id}");
        await Expect(_page.Locator(".exception-value")).ToHaveTextAsync(Script);
        await Expect(_page.Locator("h1")).ToHaveTextAsync($"TypeError: {Script}");
        Assert.True(await _page.EvaluateAsync<bool>("() => window.__xss === undefined"));
    }

    [Fact]
    public async Task RepeatedBadPasswords_LockTheAccount_WithoutSayingSo()
    {
        for (var n = 0; n < 5; n++) await LogInAsync("wrong password " + n, expectSuccess: false);
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong e-mail or password");

        await LogInAsync(expectSuccess: false); // the right password, too late
        var locked = await _page.GetByRole(AriaRole.Alert).InnerTextAsync();

        await LogInAsync("whatever", "nobody@example.com", expectSuccess: false);
        Assert.Equal(locked, await _page.GetByRole(AriaRole.Alert).InnerTextAsync()); // an unknown account reads the same
        Assert.True((await _app.QueryAsync(db => db.Users.SingleAsync())).LockoutEnd > DateTime.UtcNow);
    }

    [Fact]
    public async Task LogOut_EndsTheSession()
    {
        await LogInAsync();

        await _page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(_page).ToHaveURLAsync(LoginUrl());
        await _page.GotoAsync("/");

        await Expect(_page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task IncidentListAndPage_OnAPhone_HaveNoHorizontalScroll()
    {
        await _page.SetViewportSizeAsync(375, 740);
        await LogInAsync();
        await PostAsync(SampleEvents.Error(type: "VeryLongExceptionNameWithoutAnySpacesToBreakTheLineAnywhere", value: new string('x', 200)));
        await PostAsync(SampleEvents.BrokenLink(path: "/" + string.Join("/", Enumerable.Repeat("a-rather-long-segment", 8))));
        await IncidentIdAsync(count: 1);
        await Wait.UntilAsync(async () => await _app.QueryAsync(db => db.Incidents.CountAsync()) == 2, Grouped, "two incidents");

        await _page.GotoAsync("/");
        await Expect(_page.Locator("tr[data-incident]")).ToHaveCountAsync(2);

        await AssertNoHorizontalScrollAsync();

        await _page.Locator("tr[data-incident] a").First.ClickAsync();
        await Expect(_page.Locator("h1")).ToBeVisibleAsync();
        await AssertNoHorizontalScrollAsync();
    }

    private async Task AssertNoHorizontalScrollAsync()
    {
        var widths = await _page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{_page.Url}: scrollWidth {widths[0]} > clientWidth {widths[1]}");
    }

    [Fact]
    public async Task IncidentList_RefreshesCountsWithoutAReload()
    {
        await LogInAsync();
        await PostAsync(SampleEvents.Error());
        var id = await IncidentIdAsync(count: 1);
        await _page.GotoAsync("/");
        var count = _page.Locator($"tr[data-incident='{id}'] [data-count]");
        await Expect(count).ToHaveTextAsync("1");
        await _page.EvaluateAsync("() => window.__sameDocument = true");

        await PostAsync(SampleEvents.Error());

        await Expect(count).ToHaveTextAsync("2", new() { Timeout = 20_000 });
        Assert.True(await _page.EvaluateAsync<bool>("() => window.__sameDocument === true")); // no reload happened
    }

    [Fact]
    public async Task UnknownAddress_ShowsTheFriendlyNotFoundPage()
    {
        await LogInAsync();

        var response = await _page.GotoAsync("/no/such/page");

        Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Link, new() { Name = "Back to the incident list" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Project_Created_KeyRotatedAndRevoked_OnlyTheNewKeyIsAccepted()
    {
        await LogInAsync();
        await _page.GotoAsync("/projects");

        await _page.GetByLabel("New project").FillAsync("blog <b>beta</b>");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Add project" }).ClickAsync();
        var project = _page.Locator("section[data-project='2']");
        await Expect(project.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("#2 blog <b>beta</b>");
        var oldKey = await project.Locator("tr[data-key] code").InnerTextAsync();
        Assert.Matches("^[0-9a-f]{32}$", oldKey); // hex, as Sentry's JavaScript SDK requires of a DSN's key
        await Expect(project.Locator("code.dsn")).ToContainTextAsync($"{oldKey}@");

        await project.GetByRole(AriaRole.Button, new() { Name = "New key" }).ClickAsync();
        await Expect(project.Locator("tr[data-key]")).ToHaveCountAsync(2);
        await Expect(project.Locator("code.dsn")).ToHaveCountAsync(2); // both work until the old one is revoked
        var newKey = await project.Locator("tr[data-key] code").Nth(1).InnerTextAsync();
        await project.Locator("tr[data-key]").First.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(project.Locator("tr[data-key]").First).ToContainTextAsync("revoked");
        await Expect(project.Locator("code.dsn")).ToHaveCountAsync(1);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(), oldKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(), newKey))).StatusCode);

        await project.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync(); // the last key
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("only key");
    }

    [Fact]
    public async Task Recipients_SetInTheDashboard_GetTheProjectsMail()
    {
        await LogInAsync();
        await _page.GotoAsync("/projects");
        var project = _page.Locator($"section[data-project='{AlertsTestApp.ProjectId}']");

        await project.GetByLabel("Admins (errors)").FillAsync("not an address");
        await project.GetByRole(AriaRole.Button, new() { Name = "Save recipients" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'not an address' is not an e-mail address.");
        await project.GetByLabel("Admins (errors)").FillAsync("Dana Dashboard <dana@example.com>");
        await project.GetByRole(AriaRole.Button, new() { Name = "Save recipients" }).ClickAsync();
        await Expect(project.GetByLabel("Admins (errors)")).ToHaveValueAsync("Dana Dashboard <dana@example.com>");

        await PostAsync(SampleEvents.Error());

        var mail = await Wait.UntilAsync(() => Task.FromResult(_app.Mails() is [var first, ..] ? first : null), Grouped, "the first-occurrence mail");
        Assert.Equal(["dana@example.com"], mail.To.Mailboxes.Select(m => m.Address));
    }

    [Fact]
    public async Task ApiReference_ShowsTheDocumentedEndpoints()
    {
        await _page.GotoAsync(ApiDocs.ReferencePath);

        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Report an error or a broken link" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(_page.GetByText("Incidents", new() { Exact = true }).First).ToBeAttachedAsync(); // the API's other tag
    }

    private async Task LogInAsync(string password = DashboardSession.Password, string email = DashboardSession.Email, bool expectSuccess = true)
    {
        await Browser.SubmitLoginAsync(_page, email, password);
        if (expectSuccess) await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Incidents" })).ToBeVisibleAsync();
        else await Expect(_page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
    }

    private async Task PostAsync(string json)
    {
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>The newest incident once it has counted <paramref name="count"/> occurrences.</summary>
    private Task<long> IncidentIdAsync(long count) =>
        Wait.UntilValueAsync(() => _app.QueryAsync(db => db.Incidents.Where(i => i.Count >= count).OrderByDescending(i => i.Id)
            .Select(i => (long?)i.Id).FirstOrDefaultAsync()), Grouped, $"an incident with {count} occurrences");

    /// <summary>
    /// Screenshots for the README: into the repository when ALERTS_UPDATE_SCREENSHOTS=1, else beside the test output, so a
    /// test run leaves the checkout as it was.
    /// </summary>
    private static string ScreenshotPath(string name)
    {
        var dir = Environment.GetEnvironmentVariable("ALERTS_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(RepoPaths.Root, "docs", "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    [GeneratedRegex("/login")]
    private static partial Regex LoginUrl();
}
