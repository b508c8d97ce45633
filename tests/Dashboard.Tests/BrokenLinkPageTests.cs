using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Dashboard.Accounts;
using Alerts.Dashboard.Api;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

/// <summary>What a manager sees of broken links: the rule that held one back, the pages linking to it, and the ignore-rule action.</summary>
public sealed partial class BrokenLinkPageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string IgnorePattern = @"^/old-page(\?|$)";

    public static TheoryData<string, string, string, string> HeldBack => new()
    {
        { "/old-page/", "https://shop.example.com/old-page", "Mozilla/5.0", "ignorable (APPEND_SLASH: the referrer is this URL without its trailing slash)" },
        { "/old-page", "https://shop.example.com/blog/", "sqlmap/1.8.2#stable (https://sqlmap.org)", "scanner noise (user agent sqlmap)" },
    };

    [Theory]
    [MemberData(nameof(HeldBack))]
    public async Task IncidentPage_HeldBackBrokenLink_IsCountedNotMailedAndNamesTheRule(string path, string referrer, string userAgent, string rule)
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink(path, referrer, userAgent));
        await PostAsync(app, SampleEvents.BrokenLink(path, referrer, userAgent));
        var id = await WaitForIncidentAsync(app, count: 2);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");

        var heldBy = Assert.Single(HeldByFact().Matches(page)).Value;
        Assert.Contains(WebUtility.HtmlEncode(rule), heldBy, StringComparison.Ordinal);
        Assert.Contains("2 of 2 occurrences held back", heldBy, StringComparison.Ordinal);
        var mail = Assert.Single(MailRows().Matches(page)).Value;
        Assert.Contains(">held back<", mail, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($"held back: {rule}"), mail, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($"held back: {rule}"), await client.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Empty(app.Mails());
    }

    [Fact]
    public async Task IncidentPage_LinkFromTwoPages_ListsEachReferringPageWithItsCount()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://partner.example.org/links/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var id = await WaitForIncidentAsync(app, count: 3);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");
        var detail = await client.GetFromJsonAsync<IncidentDetail>($"/api/v1/incidents/{id}");

        Assert.Contains("This missing page is linked from these pages", page, StringComparison.Ordinal);
        var rows = ReferrerRows().Matches(page).Select(m => m.Value).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("https://shop.example.com/blog/", rows[0], StringComparison.Ordinal);
        Assert.Contains(">internal<", rows[0], StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">2</td>", rows[0], StringComparison.Ordinal);
        Assert.Contains("https://partner.example.org/links/", rows[1], StringComparison.Ordinal);
        Assert.DoesNotContain(">internal<", rows[1], StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">1</td>", rows[1], StringComparison.Ordinal);
        Assert.Equal(
            [("https://shop.example.com/blog/", true, 2L), ("https://partner.example.org/links/", false, 1L)],
            detail!.Referrers.Select(r => (r.Referrer, r.Internal, r.Count)));
        Assert.Equal(3, detail.Incident.Count);
    }

    [Fact]
    public async Task IgnoreUrlsLikeThis_StoresTheRuleAndIgnoresTheIncident_ThenAMatchingLinkIsCountedNotMailed()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var id = await WaitForIncidentAsync(app, count: 1);
        await WaitForSentMailsAsync(app, 1);
        using var client = await DashboardSession.SignedInClientAsync(app);
        var page = await client.GetStringAsync($"/incidents/{id}");
        Assert.Contains(WebUtility.HtmlEncode(IgnorePattern), page, StringComparison.Ordinal);

        using var response = await DashboardSession.SubmitFormAsync(client, page, "ignore-rule");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/incidents/{id}", response.RequestMessage!.RequestUri!.AbsolutePath); // back on the incident, as a browser lands
        var after = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-status>ignored</span>", after, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($@"ignore rule #1 {IgnorePattern}"), Assert.Single(HeldByFact().Matches(after)).Value, StringComparison.Ordinal);
        var rule = await app.QueryAsync(db => db.IgnoreRules.SingleAsync());
        Assert.Equal((AlertsTestApp.ProjectId, IgnorePattern, DashboardSession.Email), (rule.ProjectId, rule.Pattern, rule.CreatedBy));
        Assert.Contains(WebUtility.HtmlEncode(IgnorePattern), await client.GetStringAsync("/ignore-rules"), StringComparison.Ordinal);

        // The same path with a query is another incident; the rule holds it back. The ignored incident counts on, silently.
        await PostAsync(app, SampleEvents.BrokenLink("/old-page?utm_source=news", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == 3, Timeout, "both new occurrences counted");

        var matching = await app.QueryAsync(db => db.Incidents.SingleAsync(i => i.Id != id));
        Assert.Equal($@"ignorable (ignore rule #1 {IgnorePattern})", matching.IgnoredBy);
        Assert.Equal(IncidentStatus.Ignored, (await app.QueryAsync(db => db.Incidents.SingleAsync(i => i.Id == id))).Status);
        Assert.Equal(1, await app.QueryAsync(db => db.Notifications.CountAsync(n => n.Status != NotificationStatus.Skipped)));
        Assert.Single(app.Mails());
    }

    [Fact]
    public async Task IgnoreUrlsLikeThis_WithoutTheAntiforgeryToken_IsRejectedAndStoresNothing()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var id = await WaitForIncidentAsync(app, count: 1);
        using var client = await DashboardSession.SignedInClientAsync(app);

        using var response = await client.PostAsync($"/incidents/{id}?handler=IgnoreUrls", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await app.QueryAsync(db => db.IgnoreRules.CountAsync()));
        Assert.Equal(IncidentStatus.Open, (await app.QueryAsync(db => db.Incidents.SingleAsync())).Status);
    }

    [Fact]
    public async Task IgnoreUrlsApi_WithAnApiToken_StoresTheRuleNamingTheToken_AndRefusesAnError()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink("/old-page?page=2", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.Error());
        var link = await WaitForIncidentAsync(app, count: 1, EventKind.BrokenLink);
        var error = await WaitForIncidentAsync(app, count: 1, EventKind.Error);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var token = await app.Services.GetRequiredService<ApiTokens>().CreateAsync("ops-script", CancellationToken.None);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var created = await client.PostAsync($"/api/v1/incidents/{link}/ignore-urls", null);
        using var refused = await client.PostAsync($"/api/v1/incidents/{error}/ignore-urls", null);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<IgnoreRuleEntry>();
        Assert.Equal((IgnorePattern, "token:ops-script"), (rule!.Pattern, rule.CreatedBy));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await app.QueryAsync(db => db.IgnoreRules.CountAsync()));
    }

    [Fact]
    public async Task IgnoreRulesPage_Remove_TakesTheRuleBack()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var id = await WaitForIncidentAsync(app, count: 1);
        using var client = await DashboardSession.SignedInClientAsync(app);
        using (var ignored = await DashboardSession.SubmitFormAsync(client, await client.GetStringAsync($"/incidents/{id}"), "ignore-rule"))
            Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);

        using var response = await DashboardSession.SubmitFormAsync(client, await client.GetStringAsync("/ignore-rules"), "handler=Delete");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("No ignore rule yet.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await app.QueryAsync(db => db.IgnoreRules.CountAsync()));
    }

    private static async Task PostAsync(AlertsTestApp app, string json)
    {
        using var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static Task<long> WaitForIncidentAsync(AlertsTestApp app, long count, EventKind kind = EventKind.BrokenLink) =>
        Wait.UntilValueAsync(() => app.QueryAsync(db => db.Incidents.Where(i => i.Kind == kind && i.Count >= count).Select(i => (long?)i.Id).FirstOrDefaultAsync()),
            Timeout, $"an incident counting {count}");

    private static Task WaitForSentMailsAsync(AlertsTestApp app, int count) =>
        Wait.UntilAsync(async () => await app.QueryAsync(db => db.Notifications.CountAsync(n => n.Status == NotificationStatus.Sent)) >= count,
            Timeout, $"{count} mail(s) sent");

    [GeneratedRegex("<div class=\"full ignored-by\">.*?</div>", RegexOptions.Singleline)]
    private static partial Regex HeldByFact();

    [GeneratedRegex("<tr data-notification=\"\\d+\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex MailRows();

    [GeneratedRegex("<tr data-referrer>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex ReferrerRows();
}
