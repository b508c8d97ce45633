using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Dashboard.Accounts;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

/// <summary>The incident list and <c>GET /api/v1/incidents</c>: filters, search, sort and keyset pages over seeded incidents.</summary>
public sealed partial class IncidentListTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);
    private AlertsTestApp _app = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _app = await AlertsTestApp.StartAsync();
        var token = await _app.Services.GetRequiredService<ApiTokens>().CreateAsync("tests", CancellationToken.None);
        _api = new HttpClient { BaseAddress = _app.BaseAddress };
        _api.DefaultRequestHeaders.Authorization = new("Bearer", token);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Api_PagesThroughEveryIncidentOnceByLastSeen()
    {
        await SeedAsync(Enumerable.Range(1, 23).Select(n => Seed($"Error {n}", lastSeen: T0.AddMinutes(n % 5))).ToArray());

        var (titles, pages) = await AllPagesAsync("/api/v1/incidents?limit=5");

        Assert.Equal(5, pages);
        Assert.Equal(23, titles.Distinct().Count());
        Assert.Equal(23, titles.Count);
    }

    [Fact]
    public async Task Api_SortByCount_PagesInDescendingCount()
    {
        await SeedAsync(Enumerable.Range(1, 12).Select(n => Seed($"Error {n}", count: n % 4 + 1)).ToArray());

        var counts = new List<long>();
        string? url = "/api/v1/incidents?sort=count&limit=5";
        while (url is not null)
        {
            var response = await _api.GetAsync(url);
            counts.AddRange((await response.Content.ReadFromJsonAsync<JsonElement[]>())!.Select(i => i.GetProperty("count").GetInt64()));
            url = NextLink(response);
        }

        Assert.Equal(12, counts.Count);
        Assert.Equal(counts.OrderDescending(), counts);
    }

    [Fact]
    public async Task Api_FiltersByStatusKindProjectEnvironmentAndTitle()
    {
        await SeedAsync(
            Seed("KeyError: 'basket'", environment: "production"),
            Seed("KeyError: 'order'", environment: "staging"),
            Seed("Broken link: /old", kind: EventKind.BrokenLink, environment: "production"),
            Seed("TimeoutError", status: IncidentStatus.Snoozed, environment: "production"),
            Seed("ValueError", status: IncidentStatus.Resolved, projectId: 0));

        Assert.Equal(["TimeoutError"], await TitlesAsync("status=snoozed"));
        Assert.Equal(["Broken link: /old"], await TitlesAsync("kind=broken_link"));
        Assert.Equal(["ValueError"], await TitlesAsync("projectId=0"));
        Assert.Equal(["KeyError: 'basket'", "KeyError: 'order'"], await TitlesAsync("q=keyerror"));
        Assert.Equal(["KeyError: 'order'"], await TitlesAsync("environment=staging"));
        Assert.Equal(["KeyError: 'basket'"], await TitlesAsync("environment=production&q=key&status=open&kind=error"));
    }

    [Fact]
    public async Task Api_ShowsTheLatestEventsEnvironment()
    {
        await SeedAsync(Seed("KeyError", environment: "staging"));

        var incident = Assert.Single((await _api.GetFromJsonAsync<JsonElement[]>("/api/v1/incidents"))!);

        Assert.Equal("staging", incident.GetProperty("environment").GetString());
    }

    [Theory]
    [InlineData("sort=newest", "sort")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("limit=501", "limit")]
    public async Task Api_BadParameter_Is400NamingIt(string query, string parameter)
    {
        var response = await _api.GetAsync($"/api/v1/incidents?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task Api_Snooze_ForAPeriodOrMoreOccurrences()
    {
        var ids = await SeedAsync(Seed("KeyError", count: 7), Seed("TypeError"));

        var byTime = await _api.PostAsJsonAsync($"/api/v1/incidents/{ids[0]}/snooze", new { minutes = 60 });
        var byCount = await _api.PostAsJsonAsync($"/api/v1/incidents/{ids[1]}/snooze", new { occurrences = 10 });
        var neither = await _api.PostAsJsonAsync($"/api/v1/incidents/{ids[1]}/snooze", new { });
        var missing = await _api.PostAsJsonAsync("/api/v1/incidents/9999/snooze", new { minutes = 5 });

        var first = await byTime.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("snoozed", first.GetProperty("status").GetString());
        Assert.InRange(first.GetProperty("snoozedUntil").GetDateTime().ToUniversalTime(), DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));
        Assert.Equal(11, (await byCount.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("snoozedUntilCount").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
        Assert.True((await neither.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("minutes", out _));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(["KeyError", "TypeError"], await TitlesAsync("status=snoozed"));
    }

    [Fact]
    public async Task Page_ShowsFiltersSparklineAndANextPageLink()
    {
        var id = (await SeedAsync(Enumerable.Range(1, 60).Select(n => Seed($"Error {n}", lastSeen: DateTime.UtcNow.AddMinutes(-n))).ToArray()))[0];
        var hour = IncidentHourlyCount.HourOf(DateTime.UtcNow);
        await _app.QueryAsync(async db =>
        {
            db.IncidentHourlyCounts.AddRange(new IncidentHourlyCount { IncidentId = id, Hour = hour, Count = 4 },
                new IncidentHourlyCount { IncidentId = id, Hour = hour.AddHours(-3), Count = 2 });
            return await db.SaveChangesAsync();
        });
        var client = await DashboardSession.SignedInClientAsync(_app);

        var page = await client.GetStringAsync("/");

        Assert.Equal(50, Rows().Count(page));
        var row = page[page.IndexOf($"data-incident=\"{id}\"", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
        Assert.Contains("<title>", row, StringComparison.Ordinal);
        Assert.Equal(2, NonEmptyBar().Count(row)); // two hours with occurrences, the rest empty
        var next = WebUtility.HtmlDecode(NextPage().Match(page).Groups[1].Value);
        var second = await client.GetStringAsync(next);
        Assert.Equal(10, Rows().Count(second));
        Assert.DoesNotMatch(NextPage(), second);
    }

    [Fact]
    public async Task Page_BadFilter_SaysWhatIsWrong()
    {
        var client = await DashboardSession.SignedInClientAsync(_app);

        var response = await client.GetAsync("/?status=closed");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("status: Must be open, resolved, ignored or snoozed.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WithoutIncidents_ShowsACurlLineWithTheProjectsKey()
    {
        var client = await DashboardSession.SignedInClientAsync(_app);

        var page = await client.GetStringAsync("/");

        Assert.Contains("No incidents yet", page, StringComparison.Ordinal);
        Assert.Contains($"X-Alerts-Key: {AlertsTestApp.ProjectKey}", page, StringComparison.Ordinal);
    }

    private sealed record SeedRow(string Title, DateTime LastSeen, long Count, EventKind Kind, IncidentStatus Status, long ProjectId, string? Environment);

    private static SeedRow Seed(string title, DateTime? lastSeen = null, long count = 1, EventKind kind = EventKind.Error,
        IncidentStatus status = IncidentStatus.Open, long projectId = AlertsTestApp.ProjectId, string? environment = null) =>
        new(title, lastSeen ?? T0, count, kind, status, projectId, environment);

    /// <summary>Incidents with a latest event each, already grouped (so the notifier leaves them alone).</summary>
    private async Task<List<long>> SeedAsync(params SeedRow[] rows) => await _app.QueryAsync(async db =>
    {
        var incidents = rows.Select((r, n) => new Incident
        {
            ProjectId = r.ProjectId, Fingerprint = $"seed-{n}", Kind = r.Kind, Title = r.Title, Status = r.Status,
            Count = r.Count, FirstSeen = r.LastSeen, LastSeen = r.LastSeen,
        }).ToList();
        db.Incidents.AddRange(incidents);
        await db.SaveChangesAsync();
        foreach (var (incident, row) in incidents.Zip(rows))
        {
            var e = StoredEvent.Create(row.ProjectId, row.Kind, new EventPayload { Environment = row.Environment, Message = row.Title }, row.LastSeen);
            e.IncidentId = incident.Id;
            incident.LastEventId = e.Id;
            db.Events.Add(e);
        }
        await db.SaveChangesAsync();
        return incidents.Select(i => i.Id).ToList();
    });

    private async Task<List<string>> TitlesAsync(string query) =>
        [.. (await _api.GetFromJsonAsync<JsonElement[]>($"/api/v1/incidents?{query}"))!.Select(i => i.GetProperty("title").GetString()!).Order(StringComparer.Ordinal)];

    private async Task<(List<string> Titles, int Pages)> AllPagesAsync(string url)
    {
        var titles = new List<string>();
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var response = await _api.GetAsync(next);
            titles.AddRange((await response.Content.ReadFromJsonAsync<JsonElement[]>())!.Select(i => i.GetProperty("title").GetString()!));
            next = NextLink(response);
        }
        return (titles, pages);
    }

    private static string? NextLink(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Link", out var links) ? LinkNext().Match(links.Single()).Groups[1].Value : null;

    [GeneratedRegex("<([^>]+)>; rel=\"next\"")]
    private static partial Regex LinkNext();

    [GeneratedRegex("<tr data-incident=")]
    private static partial Regex Rows();

    [GeneratedRegex("<rect [^>]*height=\"(?!0\")")]
    private static partial Regex NonEmptyBar();

    [GeneratedRegex("href=\"([^\"]+)\" rel=\"next\"")]
    private static partial Regex NextPage();
}
