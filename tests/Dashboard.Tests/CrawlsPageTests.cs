using System.Net;
using Alerts.Core.Domain;
using Alerts.Notifier.Crawler;
using Alerts.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

public sealed class CrawlsPageTests
{
    [Fact]
    public async Task CrawlsPage_ShowsEachRunsReport_AndARunningCrawlsProgressWithAReload()
    {
        await using var site = await TestSite.StartAsync();
        site.Write("index.html", """<html><body><a href="/missing.html">gone</a> <a href="/about.html">about</a></body></html>""");
        site.Write("about.html", "<html></html>");
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Crawler:AllowPrivateTargets"] = "true",
            ["Alerts:Sites:0:Id"] = "docs-site",
            ["Alerts:Sites:0:ProjectId"] = "1",
            ["Alerts:Sites:0:StartUrl"] = site.Home.AbsoluteUri,
            ["Alerts:Sites:0:RequestsPerSecond"] = "100",
        });
        using var client = await DashboardSession.SignedInClientAsync(app);
        var finished = await app.Services.GetRequiredService<CrawlRunner>().RunAsync("docs-site", CancellationToken.None);

        var page = await client.GetStringAsync("/crawls");

        Assert.Contains("<a href=\"/crawls\">Crawls</a>", page, StringComparison.Ordinal);
        Assert.Contains($"data-run=\"{finished!.Id}\" data-status=\"Completed\"", page, StringComparison.Ordinal);
        Assert.Contains("docs-site", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", page, StringComparison.Ordinal);

        await app.QueryAsync(async db =>
        {
            db.CrawlRuns.Add(new CrawlRun { SiteId = "other", ProjectId = 1, StartUrl = "https://example.com/", Status = CrawlRunStatus.Running,
                StartedAt = DateTime.UtcNow.AddSeconds(-30), UpdatedAt = DateTime.UtcNow, Pages = 1234, LinksChecked = 5678 });
            return await db.SaveChangesAsync();
        });
        var running = await client.GetStringAsync("/crawls");

        Assert.Contains("http-equiv=\"refresh\"", running, StringComparison.Ordinal);
        Assert.Contains("<td>running</td>", running, StringComparison.Ordinal);
        Assert.Contains("<td>1234</td>", running, StringComparison.Ordinal);
        Assert.Contains("<td>5678</td>", running, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrawlsPage_Anonymous_IsSentToLogin()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var client = DashboardSession.AnonymousClient(app);

        using var response = await client.GetAsync("/crawls");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
    }
}
