using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Dashboard.Accounts;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;

namespace Alerts.Dashboard.Tests;

/// <summary>The Dashboard attacked: forged requests from other origins, replayed cookies, login bursts, framing.</summary>
public sealed partial class AttackTests(Browser browser) : IClassFixture<Browser>
{
    private static readonly TimeSpan Grouped = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("resolve")]
    [InlineData("ignore")]
    [InlineData("reopen")]
    [InlineData("snooze")]
    [InlineData("ignore-urls")]
    public async Task CrossOriginFormPost_WithOnlyTheLoginCookie_IsRefused_AndChangesNothing(string action)
    {
        await using var app = await AlertsTestApp.StartAsync();
        var id = await BrokenLinkIncidentAsync(app);
        if (action == "reopen") await app.QueryAsync(db => db.Incidents.ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, IncidentStatus.Resolved)));
        var before = await app.QueryAsync(db => db.Incidents.SingleAsync(i => i.Id == id));
        using var victim = await DashboardSession.SignedInClientAsync(app);

        using var forged = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/{action}")
        {
            // A form is what another page can send without asking; snooze reads only JSON, which a same-site page's fetch can send.
            Content = action == "snooze"
                ? new StringContent("""{"minutes": 60}""", new MediaTypeHeaderValue("application/json"))
                : new FormUrlEncodedContent(new Dictionary<string, string> { ["minutes"] = "60" }),
        };
        forged.Headers.Add("Origin", "http://evil.example");
        using var response = await victim.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("antiforgery", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var after = await app.QueryAsync(db => db.Incidents.SingleAsync(i => i.Id == id));
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.SnoozedUntil, after.SnoozedUntil);
        Assert.Empty(await app.QueryAsync(db => db.IgnoreRules.ToListAsync()));
    }

    [Fact]
    public async Task CookieCall_WithThePagesAntiforgeryToken_ChangesTheIncident()
    {
        await using var app = await AlertsTestApp.StartAsync();
        var id = await BrokenLinkIncidentAsync(app);
        using var client = await DashboardSession.SignedInClientAsync(app);
        var page = await client.GetStringAsync("/");
        var token = TokenMeta().Match(page).Groups[1].Value;

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/resolve");
        request.Headers.Add("RequestVerificationToken", WebUtility.HtmlDecode(token));
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(IncidentStatus.Resolved, await app.QueryAsync(db => db.Incidents.Where(i => i.Id == id).Select(i => i.Status).SingleAsync()));
    }

    [Fact]
    public async Task PageOnAnotherPortOfTheSameHost_CannotResolveAnIncident_InARealBrowser()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await DashboardSession.CreateUserAsync(app);
        var id = await BrokenLinkIncidentAsync(app);
        await using var evil = await EvilSiteAsync($"{app.BaseAddress}api/v1/incidents/{id}/resolve");
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            await Browser.LogInAsync(page);

            // The attacker's page posts a form to the API as soon as it loads; the browser sends the same-site login cookie.
            var forged = await page.RunAndWaitForResponseAsync(() => page.GotoAsync(evil.Url), r => r.Url.Contains("/resolve", StringComparison.Ordinal));

            Assert.Equal(403, forged.Status);
            Assert.Equal(IncidentStatus.Open, await app.QueryAsync(db => db.Incidents.Where(i => i.Id == id).Select(i => i.Status).SingleAsync()));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task CookieReplayedAfterLogout_OpensNothing()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var user = await DashboardSession.SignedInClientAsync(app);
        using var thief = ReplayClient(app, user);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/projects")).StatusCode);

        var page = await user.GetStringAsync("/");
        using var logout = await DashboardSession.SubmitFormAsync(user, page, "action=\"/logout\"");
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);

        using var pages = await thief.GetAsync("/projects");
        Assert.Equal(HttpStatusCode.Redirect, pages.StatusCode);
        Assert.Equal("/login", pages.Headers.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/v1/incidents")).StatusCode);
    }

    [Theory]
    [InlineData("new password")]
    [InlineData("sign-out-all")]
    public async Task OldCookie_IsRefusedWithinSeconds_AfterThePasswordChangesOrEverySessionIsEnded(string change)
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var user = await DashboardSession.SignedInClientAsync(app);
        using var thief = ReplayClient(app, user);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/v1/incidents")).StatusCode);

        // What `alerts createuser` and `alerts users sign-out-all` do, from another process: this node's cache is not told.
        var accounts = app.Services.GetRequiredService<UserAccounts>();
        if (change == "new password") await accounts.CreateOrUpdateAsync(DashboardSession.Email, "another long password", CancellationToken.None);
        else Assert.True(await accounts.SignOutEverywhereAsync(DashboardSession.Email, CancellationToken.None));

        await Wait.UntilAsync(async () => (await thief.GetAsync("/api/v1/incidents")).StatusCode == HttpStatusCode.Unauthorized,
            UserSessions.StampCacheLifetime + TimeSpan.FromSeconds(10), "the old cookie refused");
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.GetAsync("/api/v1/incidents")).StatusCode);
    }

    [Fact]
    public async Task BurstOf41WrongGuesses_TestsFivePasswords_ThrottlesTheAddress_AndLocksOutEvenTheRightPassword()
    {
        var hasher = new CountingHasher();
        await using var app = await AlertsTestApp.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<IPasswordHasher<User>>(hasher)));
        await DashboardSession.CreateUserAsync(app);
        const int attempts = 41;
        var forms = new List<(HttpClient Client, FormUrlEncodedContent Form)>();
        for (var n = 0; n < attempts; n++)
        {
            var client = DashboardSession.CookieClient(app);
            forms.Add((client, await LoginFormAsync(client, $"guess number {n}")));
        }
        var verifiedBefore = hasher.Verified;

        var responses = await Task.WhenAll(forms.Select(f => f.Client.PostAsync("/login", f.Form)));

        // Twenty reach the account (the rest are throttled); the fifth counted locks it, so five passwords are tested.
        Assert.Equal(attempts - DashboardExtensions.LoginAttemptsPerMinute, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(UserAccounts.MaxFailedLogins, hasher.Verified - verifiedBefore);
        var accounts = app.Services.GetRequiredService<UserAccounts>();
        Assert.Null(await accounts.VerifyAsync(DashboardSession.Email, DashboardSession.Password, CancellationToken.None));
        Assert.Equal(UserAccounts.MaxFailedLogins, hasher.Verified - verifiedBefore);
        foreach (var (client, _) in forms) client.Dispose();
    }

    [Fact]
    public async Task RightPassword_TestedWhileGuessesLockTheAccount_SignsIn_ButDoesNotLiftTheLockout()
    {
        var hasher = new CountingHasher { HoldWhileTesting = DashboardSession.Password };
        await using var app = await AlertsTestApp.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<IPasswordHasher<User>>(hasher)));
        await DashboardSession.CreateUserAsync(app);
        using var owner = DashboardSession.CookieClient(app);
        using var guesser = DashboardSession.CookieClient(app);

        var ownersLogin = owner.PostAsync("/login", await LoginFormAsync(owner, DashboardSession.Password));
        await Wait.UntilAsync(() => Task.FromResult(hasher.Holding), TimeSpan.FromSeconds(10), "the owner's password under test");
        for (var n = 1; n < UserAccounts.MaxFailedLogins; n++) // with the owner's attempt, these make the count that locks
            await guesser.PostAsync("/login", await LoginFormAsync(guesser, $"guess number {n}"));
        hasher.Release();
        await ownersLogin;
        var testedBeforeTheNextGuess = hasher.Verified;
        await guesser.PostAsync("/login", await LoginFormAsync(guesser, "one guess too many"));

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/v1/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/v1/incidents")).StatusCode);
        Assert.Equal(testedBeforeTheNextGuess, hasher.Verified);
    }

    private static async Task<FormUrlEncodedContent> LoginFormAsync(HttpClient client, string password)
    {
        var token = AntiforgeryField().Match(await client.GetStringAsync("/login")).Groups[1].Value;
        return new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = DashboardSession.Email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = token,
        });
    }

    [Fact]
    public async Task EveryResponse_RefusesFraming_AndPagesAllowOnlyTheirOwnNoncedCode()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var client = DashboardSession.AnonymousClient(app);
        foreach (var path in new[] { "/login", "/no-such-page", "/api/v1/incidents", "/api/v1/events", "/healthz", ApiDocs.ReferencePath })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        using var login = await client.GetAsync("/login");
        var csp = login.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = Regex.Match(csp, "script-src 'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains($"<style nonce=\"{nonce}\">", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var again = await client.GetAsync("/login");
        Assert.DoesNotContain($"'nonce-{nonce}'", again.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardPages_RunUnderTheirPolicy_WithoutAViolation_InARealBrowser()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await DashboardSession.CreateUserAsync(app);
        var id = await BrokenLinkIncidentAsync(app);
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            var violations = new List<string>();
            page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) violations.Add(m.Text); };
            await Browser.LogInAsync(page);
            // The layout's style applies: the header is dark, not the browser's default.
            Assert.Equal("rgb(29, 36, 48)", await page.Locator("header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
            // The list's own script runs: its refresh calls the JSON API.
            await page.WaitForResponseAsync(r => r.Url.Contains("/api/v1/incidents", StringComparison.Ordinal), new() { Timeout = 15_000 });
            await page.GotoAsync($"/incidents/{id}");
            await page.GotoAsync("/projects");
            await page.GotoAsync("/tokens");

            Assert.Empty(violations);
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Cookies_AreSecure_WhenTheServiceRequiresHttps()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Http:RequireHttps"] = "true",
            ["Alerts:Http:KnownProxies:0"] = "127.0.0.1",
        });
        await DashboardSession.CreateUserAsync(app);
        using var client = DashboardSession.AnonymousClient(app);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Forwarded-Proto", "https"); // TLS ended at the proxy

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var antiforgery = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task KeyRing_WithACertificate_IsEncryptedInTheDatabase_AndSessionsSurviveARestart()
    {
        var dir = Directory.CreateTempSubdirectory("alerts-keyring-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Alerts"] = $"Data Source={Path.Combine(dir, "alerts.db")}",
            ["Alerts:Dashboard:KeyRing:CertificateFile"] = TestCertificates.CertPath,
            ["Alerts:Dashboard:KeyRing:KeyFile"] = TestCertificates.KeyPath,
        };
        string cookie;
        await using (var first = await AlertsTestApp.StartAsync(settings))
        {
            using var user = await DashboardSession.SignedInClientAsync(first);
            cookie = CookieHeader(first, user);
            var keys = await first.QueryAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            });
        }

        await using var second = await AlertsTestApp.StartAsync(settings);
        using var replay = DashboardSession.AnonymousClient(second);
        replay.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await replay.GetAsync("/projects")).StatusCode);
    }

    private static async Task<long> BrokenLinkIncidentAsync(AlertsTestApp app)
    {
        using var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/")));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await Wait.UntilValueAsync(() => app.QueryAsync(db => db.Incidents.Select(i => (long?)i.Id).FirstOrDefaultAsync()), Grouped, "the incident");
    }

    /// <summary>A second client carrying a copy of the user's cookies: a stolen or replayed session.</summary>
    private static HttpClient ReplayClient(AlertsTestApp app, HttpClient user)
    {
        var thief = DashboardSession.AnonymousClient(app);
        thief.DefaultRequestHeaders.Add("Cookie", CookieHeader(app, user));
        return thief;
    }

    private static string CookieHeader(AlertsTestApp app, HttpClient client) =>
        DashboardSession.Cookies(client).GetCookieHeader(app.BaseAddress);

    /// <summary>Another site on another port of the same host: its page posts a form to <paramref name="target"/> when it loads.</summary>
    private static async Task<EvilSite> EvilSiteAsync(string target)
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}/";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        var site = builder.Build();
        site.MapGet("/", () => Results.Content($"""
            <!DOCTYPE html><html><body>
            <form id="f" method="post" action="{target}" enctype="application/x-www-form-urlencoded"><input name="minutes" value="60"></form>
            <script>document.getElementById('f').submit();</script>
            </body></html>
            """, "text/html"));
        await site.StartAsync();
        return new EvilSite(site, url);
    }

    private sealed record EvilSite(WebApplication Site, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Site.DisposeAsync();
    }

    /// <summary>Identity's real hasher, counting the passwords it tests.</summary>
    private sealed class CountingHasher : IPasswordHasher<User>
    {
        private readonly PasswordHasher<User> _inner = new();
        private readonly ManualResetEventSlim _released = new();
        private int _verified;
        private volatile bool _holding;

        public int Verified => Volatile.Read(ref _verified);

        /// <summary>A password whose test waits for <see cref="Release"/>, to put a login in flight.</summary>
        public string? HoldWhileTesting { get; init; }

        public bool Holding => _holding;

        public void Release() => _released.Set();

        public string HashPassword(User user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verified);
            if (providedPassword == HoldWhileTesting)
            {
                _holding = true;
                if (!_released.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("The held password test was never released.");
            }
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [GeneratedRegex("<meta name=\"request-verification-token\" content=\"([^\"]+)\"")]
    private static partial Regex TokenMeta();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
