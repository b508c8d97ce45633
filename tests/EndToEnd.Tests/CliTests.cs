using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>The one-shot verbs of <c>alerts</c>, on the database a served process uses.</summary>
public sealed partial class CliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ProjectsAdd_PrintsKeyAndDsn_ThatServeAccepts()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = new Dictionary<string, string> { ["Alerts__Email__Backend"] = "Console" };

        var run = await alerts.RunAsync(env, "projects", "add", "web");

        Assert.True(run.ExitCode == 0, $"projects add failed: {run}");
        var key = KeyLine().Match(run.StandardOutput);
        Assert.True(key.Success, $"no 'Key:' line in: {run}");
        var dsn = DsnLine().Match(run.StandardOutput);
        Assert.True(dsn.Success, $"no 'DSN:' line in: {run}");
        Assert.Equal(key.Groups["key"].Value, dsn.Groups["key"].Value);

        await alerts.StartServeAsync(env);
        await alerts.Client.PostEventAsync(SampleEvents.Error(), key: key.Groups["key"].Value);
    }

    [Fact]
    public async Task CreateUser_WithPassword_Succeeds()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(new Dictionary<string, string>(), "createuser", "--email", "u@example.com", "--password", "correct horse battery");

        Assert.True(run.ExitCode == 0, $"createuser failed: {run}");
        Assert.Contains("u@example.com", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_FreshFolderWithConfiguredProjects_CreatesTheDatabase()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(E2eSettings.Smtp(FreePort.Next()), "migrate");

        Assert.True(run.ExitCode == 0, $"migrate failed: {run}");
        Assert.Contains("up to date", run.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(alerts.WorkingDirectory, "data", "alerts.db")), "no data/alerts.db after migrate");
    }

    [Fact]
    public async Task TokensCreate_OnFreshFolder_PrintsATokenTheApiAccepts()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next());

        // As a script does: TOKEN=$(alerts tokens create --name e2e), before the service ever ran.
        var token = await alerts.CreateTokenAsync(env);
        await alerts.StartServeAsync(env);

        Assert.Empty(await alerts.Client.IncidentsAsync(token));
    }

    [Fact]
    public async Task TokensRevoke_WhileServing_TheApiRefusesTheTokenWithinSeconds()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next());
        await alerts.StartServeAsync(env);
        var token = await alerts.CreateTokenAsync(env);
        Assert.Equal(HttpStatusCode.OK, await IncidentsStatusAsync(alerts.Client, token));

        var list = await alerts.RunAsync(env, "tokens", "list");

        Assert.True(list.ExitCode == 0, $"tokens list failed: {list}");
        var row = Assert.Single(list.StandardOutput.Split('\n'), l => l.Contains("\te2e\t", StringComparison.Ordinal));
        Assert.DoesNotContain("never", row, StringComparison.Ordinal); // the request above was its first use
        Assert.DoesNotContain(token, list.StandardOutput + list.StandardError, StringComparison.Ordinal);

        var revoke = await alerts.RunAsync(env, "tokens", "revoke", "e2e");

        Assert.True(revoke.ExitCode == 0, $"tokens revoke failed: {revoke}");
        await Wait.UntilAsync(async () => await IncidentsStatusAsync(alerts.Client, token) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(15), "serve to refuse the revoked token with 401");
        var again = await alerts.RunAsync(env, "tokens", "revoke", "e2e");
        Assert.True(again.ExitCode == 1, $"revoking a revoked token should fail: {again}");
    }

    [Fact]
    public async Task UsersSignOutAll_WhileServing_EndsTheUsersSessionWithinSeconds()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next());
        await alerts.StartServeAsync(env);
        const string email = "ops@example.com", password = "correct horse battery";
        var created = await alerts.RunAsync(env, "createuser", "--email", email, "--password", password);
        Assert.True(created.ExitCode == 0, $"createuser failed: {created}");
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = alerts.Client.BaseAddress };
        var form = await browser.GetStringAsync("/login");
        using var login = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups[1].Value,
        }));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/incidents")).StatusCode);

        var signOut = await alerts.RunAsync(env, "users", "sign-out-all", "--email", email);

        Assert.True(signOut.ExitCode == 0, $"users sign-out-all failed: {signOut}");
        await Wait.UntilAsync(async () => (await browser.GetAsync("/api/v1/incidents")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(15), "serve to refuse the session with 401");
        var unknown = await alerts.RunAsync(env, "users", "sign-out-all", "--email", "nobody@example.com");
        Assert.True(unknown.ExitCode == 1, $"an unknown user should fail: {unknown}");
    }

    [Theory]
    [InlineData("sendtestemail", "a@example.com", "--Alerts:Email:Backend=Console")]
    [InlineData("--Alerts:Email:Backend=Console", "sendtestemail", "a@example.com")]
    [InlineData("sendtestemail", "--Alerts:Email:Backend=Console", "a@example.com")]
    public async Task Settings_AnywhereOnTheLine_ReachTheConfiguration(params string[] args)
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(new Dictionary<string, string>(), args);

        Assert.True(run.ExitCode == 0, $"alerts {string.Join(' ', args)} failed: {run}");
        Assert.Contains("Sent to the given addresses (a@example.com) via Console", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTestEmail_NotAnAddress_ExitsWith2NamingIt()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(new Dictionary<string, string>(), "sendtestemail", "ada.example.com", "--Alerts:Email:Backend=Console");

        Assert.True(run.ExitCode == 2, $"expected exit code 2: {run}");
        Assert.Equal("'ada.example.com' is not an e-mail address.", run.StandardError.Trim());
    }

    [Fact]
    public async Task BareAlerts_WithUrlsAndSettings_Serves()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

        await using var serve = ChildProcess.Start(dotnet, [AlertsProcess.DllPath, "--urls", url, "--Alerts:Email:Backend=Console"], alerts.WorkingDirectory,
            new Dictionary<string, string> { ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information" });

        await Wait.UntilAsync(() => Task.FromResult(serve.OutputContains($"Now listening on: {url}")), TimeSpan.FromSeconds(60), $"bare alerts to listen on {url}");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"{url}/healthz"))).StatusCode);
    }

    private static async Task<HttpStatusCode> IncidentsStatusAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/incidents");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex(@"^Key: (?<key>\S+)$", RegexOptions.Multiline)]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"^DSN: http://(?<key>[^@\s]+)@localhost:5000/(?<id>[0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex DsnLine();
}
