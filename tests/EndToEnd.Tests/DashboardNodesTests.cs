using System.Net;
using System.Text.RegularExpressions;
using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>Several dashboard processes on one PostgreSQL database behave as one site: they share their keys.</summary>
public sealed partial class DashboardNodesTests(ITestOutputHelper output)
{
    private const string Email = "ops@example.com";
    private const string Password = "correct horse battery";

    [Fact]
    public async Task LoginFormOfOneDashboard_PostedToAnother_SignsIn_AndTheCookieWorksOnBoth()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var env = E2eSettings.Smtp(FreePort.Next()).With(
            ("Alerts__Database__Provider", "Postgres"),
            ("ConnectionStrings__Alerts", await postgres.CreateDatabaseAsync("alerts")));
        await using var admin = new AlertsProcess(output.WriteLine);
        var created = await admin.RunAsync(env, "createuser", "--email", Email, "--password", Password);
        Assert.True(created.ExitCode == 0, $"createuser failed: {created}");
        await using var first = new AlertsProcess(output.WriteLine);
        await using var second = new AlertsProcess(output.WriteLine);
        // Separate homes, as on separate machines: ASP.NET's default key ring in ~/.aspnet would not be shared.
        await Task.WhenAll(
            first.StartServeAsync(env.With(("HOME", first.WorkingDirectory)), "dashboard"),
            second.StartServeAsync(env.With(("HOME", second.WorkingDirectory)), "dashboard"));

        // One browser: cookies are per host, not per port, so both dashboards see the same jar (as behind one proxy).
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false });
        var form = await browser.GetStringAsync(new Uri(first.BaseAddress, "/login"));
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        using var login = await browser.PostAsync(new Uri(second.BaseAddress, "/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = Email,
            ["Password"] = Password,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, $"the second dashboard refused the first one's login form: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");

        foreach (var dashboard in new[] { first, second })
        {
            using var home = await browser.GetAsync(new Uri(dashboard.BaseAddress, "/"));
            Assert.True(home.StatusCode == HttpStatusCode.OK, $"{dashboard.BaseAddress} did not accept the session cookie: {(int)home.StatusCode} {home.Headers.Location}");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
