using Microsoft.Playwright;

namespace Alerts.Dashboard.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright, headless, one per test class; each test opens its own context (cookies).
/// Never `playwright install`: the browser is the system's.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright _playwright = null!;
    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/test.sh installs it (apt-get install chromium).");
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No sandbox (tests run as root in containers); nothing fetched in the background.
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await Chromium.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>Fills in and sends the login form on <paramref name="page"/>, as a user does.</summary>
    public static async Task SubmitLoginAsync(IPage page, string email = DashboardSession.Email, string password = DashboardSession.Password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    /// <summary>Logs in with the test user and waits for the incident list it lands on.</summary>
    public static async Task LogInAsync(IPage page)
    {
        await SubmitLoginAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incidents" })).ToBeVisibleAsync();
    }
}
