using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.Dashboard.Accounts;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

public sealed class DashboardTests : IAsyncLifetime
{
    private AlertsTestApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AlertsTestApp.StartAsync();
        await DashboardSession.CreateUserAsync(_app);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Api_WithoutToken_Is401()
    {
        var response = await _app.Client.GetAsync("/api/v1/incidents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithUnknownToken_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/incidents");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "alt_0000");

        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Api_WithToken_ListsIncidentsWithTheirCounts()
    {
        var client = await TokenClientAsync();
        await PostAsync(SampleEvents.Error(line: 1));
        await PostAsync(SampleEvents.Error(line: 2));
        await PostAsync(SampleEvents.BrokenLink());

        var incidents = await Wait.UntilAsync(async () =>
        {
            var list = await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents");
            return list!.Sum(i => i.GetProperty("count").GetInt64()) == 3 ? list : null;
        }, TimeSpan.FromSeconds(20), "three events grouped");

        Assert.Equal(2, incidents.Length);
        var error = incidents.Single(i => i.GetProperty("kind").GetString() == "error");
        Assert.Equal(2, error.GetProperty("count").GetInt64());
        Assert.Equal("ZeroDivisionError: division by zero", error.GetProperty("title").GetString());
        Assert.Equal("open", error.GetProperty("status").GetString());
        Assert.Equal(AlertsTestApp.ProjectId, error.GetProperty("projectId").GetInt64());
        Assert.True(error.GetProperty("lastSeen").GetDateTime() >= error.GetProperty("firstSeen").GetDateTime());

        var links = await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents?kind=broken_link");
        Assert.Equal("Broken link: /old-page", Assert.Single(links!).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Api_Detail_ShowsSamplesAndTheMailSent()
    {
        var client = await TokenClientAsync();
        await PostAsync(SampleEvents.Error());
        var id = await WaitForIncidentAsync();

        var detail = await Wait.UntilValueAsync(async () =>
        {
            var d = await client.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");
            var mails = d.GetProperty("notifications");
            return mails.GetArrayLength() == 1 && mails[0].GetProperty("status").GetString() == "sent" ? (JsonElement?)d : null;
        }, TimeSpan.FromSeconds(20), "the first-occurrence mail to be sent");

        var mail = detail.GetProperty("notifications")[0];
        Assert.Equal("first occurrence", mail.GetProperty("reason").GetString());
        Assert.Contains("ada@example.com", mail.GetProperty("recipients").GetString(), StringComparison.Ordinal);
        var sample = Assert.Single(detail.GetProperty("samples").EnumerateArray());
        Assert.Equal("https://shop.example.com/orders/17", sample.GetProperty("event").GetProperty("request").GetProperty("url").GetString());
    }

    [Fact]
    public async Task Api_ResolveThenReopen_ChangesStatus()
    {
        var client = await TokenClientAsync();
        await PostAsync(SampleEvents.Error());
        var id = await WaitForIncidentAsync();

        var resolved = await client.PostAsync($"/api/v1/incidents/{id}/resolve", null);
        Assert.Equal("resolved", (await resolved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Single((await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents?status=resolved"))!);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents?status=open"))!);

        await client.PostAsync($"/api/v1/incidents/{id}/reopen", null);
        Assert.Single((await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents?status=open"))!);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/incidents/9999/resolve", null)).StatusCode);
    }

    [Theory]
    [InlineData("status=closed", "status")]
    [InlineData("kind=crash", "kind")]
    [InlineData("limit=0", "limit")]
    public async Task Api_BadFilter_Is400NamingTheParameter(string query, string parameter)
    {
        var client = await TokenClientAsync();

        var response = await client.GetAsync($"/api/v1/incidents?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WithoutLogin_RedirectsToLogin()
    {
        using var client = DashboardSession.AnonymousClient(_app);

        var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPassword_IsRefused()
    {
        using var client = DashboardSession.CookieClient(_app);

        var page = await DashboardSession.LoginAsync(client, "not the password");

        Assert.Contains("Wrong e-mail or password", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<h1>Incidents</h1>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ThenIncidentList_ShowsIncidentsWithUserTextEncoded()
    {
        await PostAsync(SampleEvents.Error(type: "XssError", value: "<script>alert(1)</script>"));
        await WaitForIncidentAsync();
        using var client = DashboardSession.CookieClient(_app);

        var page = await DashboardSession.LoginAsync(client);

        Assert.Contains("<h1>Incidents</h1>", page, StringComparison.Ordinal);
        Assert.Contains("XssError: &lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)</script>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_Post_WithoutAntiforgeryToken_IsRejected()
    {
        using var client = DashboardSession.CookieClient(_app);

        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = DashboardSession.Email,
            ["Password"] = DashboardSession.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<HttpClient> TokenClientAsync()
    {
        var token = await _app.Services.GetRequiredService<ApiTokens>().CreateAsync("tests", CancellationToken.None);
        var client = new HttpClient { BaseAddress = _app.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Api_Detail_ShowsTheEnvironmentTheListShows()
    {
        var client = await TokenClientAsync();
        await PostAsync(SampleEvents.Error().Replace("\"production\"", "\"staging\"", StringComparison.Ordinal));
        var id = await WaitForIncidentAsync();

        var listed = (await client.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents"))!.Single();
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");

        Assert.Equal("staging", listed.GetProperty("environment").GetString());
        Assert.Equal("staging", detail.GetProperty("incident").GetProperty("environment").GetString());
    }

    [Fact]
    public async Task IncidentIds_StayDense_HoweverOftenAnIncidentRecurs()
    {
        for (var n = 0; n < 51; n++)
        {
            await PostAsync(SampleEvents.Error());
            // One grouping transaction per repeat: each used to take an id from the sequence.
            await Wait.UntilAsync(async () => await _app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == n + 1, TimeSpan.FromSeconds(20), $"{n + 1} occurrences");
        }
        await PostAsync(SampleEvents.Error(type: "KeyError", value: "'basket'"));
        await Wait.UntilAsync(async () => await _app.QueryAsync(db => db.Incidents.CountAsync()) == 2, TimeSpan.FromSeconds(20), "the second incident");

        Assert.Equal([1L, 2L], await _app.QueryAsync(db => db.Incidents.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync()));
    }

    private async Task PostAsync(string json)
    {
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private Task<long> WaitForIncidentAsync() =>
        Wait.UntilValueAsync(() => _app.QueryAsync(db => db.Incidents.Select(i => (long?)i.Id).FirstOrDefaultAsync()),
            TimeSpan.FromSeconds(20), "an incident");
}
