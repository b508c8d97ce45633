using System.Globalization;
using System.Net;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Notifier.Crawler;
using Alerts.TestSupport;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests.Crawler;

/// <summary>
/// The crawler against a real site (Kestrel static files) inside the real host: dead links become the broken-link
/// incidents a visitor would open, mailed once each to MANAGERS through a real SMTP server (aiosmtpd).
/// </summary>
public sealed class LinkCrawlerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The site: dead links from several pages, a dead image, a redirect to a dead page, a dead link robots.txt keeps us from,
    /// a page only the sitemap names, a loop, a page over the size cap, and links to another host.</summary>
    private static async Task<TestSite> StartSiteAsync()
    {
        var site = await TestSite.StartAsync(new Dictionary<string, string> { ["/moved"] = "/gone-after-move.html" });
        var other = site.Other.AbsoluteUri;
        site.Write("robots.txt", "User-agent: *\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n");
        site.Write("sitemap.xml", $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <url><loc>{site.Url("/")}</loc></url>
              <url><loc>{site.Url("/sitemap-only.html")}</loc></url>
            </urlset>
            """);
        site.Write("index.html", $"""
            <!doctype html><html><head><link rel="stylesheet" href="/style.css"><link rel="preconnect" href="https://fonts.example.net"></head>
            <body><a href="/about.html">About</a> <a href="blog/">Blog</a> <a href="/missing-a.html">gone</a>
            <a href="/private/gone.html">private</a> <img src="/img/missing.png"> <img src="/img/ok.png">
            <a href="/moved">moved</a> <a href="{other}ext-dead.html">partner</a> <a href="{other}ext-ok.html">partner ok</a>
            <a href="mailto:max@example.com">mail</a> <a href="javascript:void(0)">js</a> <a href="#top">top</a>
            <a href="/huge.html">huge</a><script src="/app.js"></script></body></html>
            """);
        site.Write("about.html", """<html><body><a href="/">home</a> <a href="/missing-a.html">again</a> <a href="/blog/">blog</a></body></html>""");
        site.Write("blog/index.html", """<html><head><base href="/docs/"></head><body><a href="intro.html">intro</a> <a href="/about.html">about</a> <a href="/missing-b.html">b</a></body></html>""");
        site.Write("docs/intro.html", """<html><body><a href="/blog/">back</a></body></html>""");
        site.Write("sitemap-only.html", """<html><body><a href="/missing-c.html">c</a></body></html>""");
        site.Write("huge.html", "<html><body>" + new string('x', 1_100_000) + """<a href="/missing-huge.html">after the cap</a></body></html>""");
        site.Write("style.css", "body{}");
        site.Write("app.js", "1");
        site.Write("img/ok.png", "png");
        site.Write("ext-ok.html", "<html></html>");
        return site;
    }

    private static Dictionary<string, string> Settings(TestSite site, int smtpPort, bool autoResolve = false) => new()
    {
        ["Alerts:Email:Backend"] = "Smtp",
        ["Alerts:Email:Host"] = "127.0.0.1",
        ["Alerts:Email:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Alerts:Email:TimeoutSeconds"] = "5",
        ["Alerts:Notifier:SweepIntervalSeconds"] = "1",
        ["Alerts:Crawler:AllowPrivateTargets"] = "true",
        ["Alerts:Crawler:MaxResponseBytes"] = "1000000",
        ["Alerts:Sites:0:Id"] = "shop",
        ["Alerts:Sites:0:ProjectId"] = "1",
        ["Alerts:Sites:0:StartUrl"] = site.Home.AbsoluteUri,
        ["Alerts:Sites:0:Sitemap"] = site.Url("/sitemap.xml"),
        ["Alerts:Sites:0:RequestsPerSecond"] = "500",
        ["Alerts:Sites:0:Schedule"] = "0 3 1 1 *",
        ["Alerts:Sites:0:AutoResolve"] = autoResolve ? "true" : "false",
    };

    private static Task<CrawlRun?> CrawlAsync(AlertsTestApp app) =>
        app.Services.GetRequiredService<CrawlRunner>().RunAsync("shop", CancellationToken.None);

    [Fact]
    public async Task Crawl_DeadLinks_AreBrokenLinkIncidentsWithTheirReferrers_MailedOnceEach_AndAVisitorAddsToTheSame()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var site = await StartSiteAsync();
        await using var app = await AlertsTestApp.StartAsync(Settings(site, smtp.Port));

        var run = await CrawlAsync(app);

        Assert.NotNull(run);
        Assert.Equal(CrawlRunStatus.Completed, run.Status);
        string Ext(string path) => new Uri(site.Other, path).AbsoluteUri;
        var expected = new Dictionary<string, string[]>
        {
            [site.Url("/missing-a.html")] = [site.Url("/"), site.Url("/about.html")],
            [site.Url("/missing-b.html")] = [site.Url("/blog/")],
            [site.Url("/missing-c.html")] = [site.Url("/sitemap-only.html")],
            [site.Url("/img/missing.png")] = [site.Url("/")],
            [site.Url("/gone-after-move.html")] = [site.Url("/")],
            [Ext("ext-dead.html")] = [site.Url("/")],
        };
        var incidents = await Wait.UntilAsync(async () =>
        {
            var rows = await IncidentsAsync(app);
            return rows.Count >= expected.Count && rows.Sum(r => r.Count) >= 7 ? rows : null;
        }, Timeout, "the crawl's incidents grouped");
        Assert.Equal(expected.Keys.Order(), incidents.Select(i => i.Url).Order());
        foreach (var incident in incidents)
            Assert.Equal(expected[incident.Url].Order(), incident.Referrers.Order());
        Assert.All(incidents, i => Assert.Equal((EventKind.BrokenLink, 0L), (i.Incident.Kind, i.Incident.IgnoredCount)));

        // The report; robots.txt's Disallow and the cut page keep their dead links unreported and unrequested.
        Assert.Equal((5, 1, 1), (run.DeadInternal, run.DeadExternal, run.Oversized));
        Assert.Equal(1, run.Disallowed);
        // Pages fetched: index, about, blog, docs/intro, sitemap-only, huge, and the dead ones linked as pages (missing-a, -b, -c, moved).
        Assert.Equal(10, run.Pages);
        Assert.Equal(0, site.Count("GET", site.Url("/private/gone.html")) + site.Count("HEAD", site.Url("/private/gone.html")));
        Assert.Equal(0, site.Requests.Count(r => r.Url.Contains("missing-huge", StringComparison.Ordinal)));
        Assert.Equal(0, site.Requests.Count(r => r.Url.Contains("fonts.example.net", StringComparison.Ordinal)));
        Assert.Equal(1, site.Count("GET", site.Url("/about.html"))); // the loop: each page once
        Assert.All(site.Requests, r => Assert.StartsWith("AlertsLinkChecker/", r.UserAgent, StringComparison.Ordinal));

        // One mail per incident, to MANAGERS, as a real SMTP server received them.
        var mails = await smtp.WaitForMailsAsync(expected.Count, Timeout);
        Assert.Equal(incidents.Select(i => i.Incident.Id.ToString(CultureInfo.InvariantCulture)).Order(), mails.Select(m => m.Headers["X-Alerts-Incident"]).Order());
        Assert.All(mails, m => Assert.Equal(["max@example.com"], m.To));
        var missingA = incidents.Single(i => i.Url == site.Url("/missing-a.html"));
        var mailA = mails.Single(m => m.Headers["X-Alerts-Incident"] == missingA.Incident.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Contains("Broken INTERNAL link", mailA.Subject, StringComparison.Ordinal);
        Assert.Contains("User agent: AlertsLinkChecker/", mailA.Text, StringComparison.Ordinal);

        // A visitor follows the same dead link later: the same incident counts it, and no second mail goes out.
        var visitor = $$"""
            { "kind": "broken_link", "request": { "url": "{{site.Url("/missing-a.html")}}", "method": "GET",
              "referrer": "{{site.Url("/about.html")}}", "userAgent": "Mozilla/5.0", "remoteAddr": "198.51.100.4" } }
            """;
        using (var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(visitor)))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var counted = await Wait.UntilAsync(() => app.QueryAsync(db => db.Incidents.Where(i => i.Id == missingA.Incident.Id && i.Count == 3).FirstOrDefaultAsync()),
            Timeout, "the visitor's occurrence on the crawl's incident");
        Assert.Equal(IncidentStatus.Open, counted.Status);
        Assert.Equal(expected.Count, await app.QueryAsync(db => db.Incidents.CountAsync(i => i.ProjectId == AlertsTestApp.ProjectId)));
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Notifications.CountAsync(n => n.IncidentId == missingA.Incident.Id && n.Status != NotificationStatus.Pending))
            == await app.QueryAsync(db => db.Notifications.CountAsync(n => n.IncidentId == missingA.Incident.Id)), Timeout, "no mail pending");
        Assert.Equal(1, await app.QueryAsync(db => db.Notifications.CountAsync(n => n.IncidentId == missingA.Incident.Id && n.Status == NotificationStatus.Sent)));
        Assert.Equal(expected.Count, (await smtp.GetMailsAsync()).Count);
    }

    [Fact]
    public async Task Recrawl_UnchangedSite_IsAnsweredNotModified_AndReportsTheSameIncidentsWithoutNewMail()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var site = await StartSiteAsync();
        await using var app = await AlertsTestApp.StartAsync(Settings(site, smtp.Port));
        var first = await CrawlAsync(app);
        await smtp.WaitForMailsAsync(6, Timeout);
        var requestsBefore = site.Requests.Count;

        var second = await CrawlAsync(app);

        Assert.NotNull(second);
        Assert.Equal(first!.Pages, second.Pages);
        Assert.Equal(second.Pages - 4, second.NotModified); // all but the four dead ones, which are asked again in full
        Assert.Equal(0, site.Requests.Skip(requestsBefore).Count(r => r.Url.EndsWith("/ext-dead.html", StringComparison.Ordinal))); // checked once a day
        Assert.Equal((first.DeadInternal, first.DeadExternal), (second.DeadInternal, second.DeadExternal));
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == 14, Timeout, "the second run's occurrences counted");
        Assert.Equal(6, await app.QueryAsync(db => db.Incidents.CountAsync()));
        Assert.Equal(6, (await smtp.GetMailsAsync()).Count);
    }

    [Fact]
    public async Task AutoResolve_ALinkThatWorksAgainAndALinkNoPageHasAnyMore_AreResolvedAndNoted_TheRestStayOpen()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var site = await StartSiteAsync();
        await using var app = await AlertsTestApp.StartAsync(Settings(site, smtp.Port, autoResolve: true));
        await CrawlAsync(app);
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.CountAsync()) == 6, Timeout, "the first run's incidents");

        site.Write("missing-a.html", "<html>back</html>"); // works again
        site.Write("blog/index.html", """<html><head><base href="/docs/"></head><body><a href="intro.html">intro</a></body></html>"""); // link removed
        var second = await CrawlAsync(app);

        Assert.NotNull(second);
        Assert.Equal((1, 2), (second.WorksAgain, second.Resolved));
        Assert.Contains($"Works again: {site.Url("/missing-a.html")}", second.Note, StringComparison.Ordinal);
        Assert.Contains("the link works again", second.Note, StringComparison.Ordinal);
        Assert.Contains("no page links to it any more", second.Note, StringComparison.Ordinal);
        var incidents = await IncidentsAsync(app);
        var resolved = incidents.Where(i => i.Incident.Status == IncidentStatus.Resolved).Select(i => i.Url).Order();
        Assert.Equal([site.Url("/missing-a.html"), site.Url("/missing-b.html")], resolved);
        Assert.Equal(4, incidents.Count(i => i.Incident.Status == IncidentStatus.Open));
    }

    [Fact]
    public async Task AutoResolveOff_NothingIsResolved_ButWorksAgainIsStillReported()
    {
        await using var site = await StartSiteAsync();
        await using var app = await AlertsTestApp.StartAsync(Settings(site, FreePort.Next()));
        await CrawlAsync(app);
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.CountAsync()) == 6, Timeout, "the first run's incidents");

        site.Write("missing-a.html", "<html>back</html>");
        var second = await CrawlAsync(app);

        Assert.Equal((1, 0), (second!.WorksAgain, second.Resolved));
        Assert.Equal(0, await app.QueryAsync(db => db.Incidents.CountAsync(i => i.Status == IncidentStatus.Resolved)));
    }

    [Fact]
    public async Task PrivateTargetsNotAllowed_TheSiteIsNeverRequested_AndTheRunSaysWhy()
    {
        await using var site = await StartSiteAsync();
        var settings = Settings(site, FreePort.Next());
        settings["Alerts:Crawler:AllowPrivateTargets"] = "false";
        await using var app = await AlertsTestApp.StartAsync(settings);

        var run = await CrawlAsync(app);

        Assert.Equal(CrawlRunStatus.Failed, run!.Status);
        Assert.Contains("AllowPrivateTargets", run.Note, StringComparison.Ordinal);
        Assert.Empty(site.Requests);
        Assert.Equal(0, await app.QueryAsync(db => db.Events.CountAsync(e => e.ProjectId == AlertsTestApp.ProjectId)));
    }

    [Fact]
    public async Task Cancelled_TheRunStopsAndIsMarkedCancelled_AndASecondRunMayStart()
    {
        await using var site = await StartSiteAsync();
        var settings = Settings(site, FreePort.Next());
        settings["Alerts:Sites:0:RequestsPerSecond"] = "2";
        await using var app = await AlertsTestApp.StartAsync(settings);
        using var stop = new CancellationTokenSource();

        var running = app.Services.GetRequiredService<CrawlRunner>().RunAsync("shop", stop.Token);
        await Wait.UntilAsync(() => Task.FromResult(site.Requests.Count >= 2), Timeout, "the crawl under way");
        var concurrent = await CrawlAsync(app); // the same site, while it runs: refused by the running row
        await stop.CancelAsync();
        var run = await running;

        Assert.Null(concurrent);
        Assert.Equal(CrawlRunStatus.Cancelled, run!.Status);
        Assert.NotNull(run.FinishedAt);
        Assert.Equal(1, await app.QueryAsync(db => db.CrawlRuns.CountAsync()));
    }

    [Fact]
    public async Task Schedule_EachSiteIsARecurringJobWithItsCron()
    {
        await using var site = await TestSite.StartAsync();
        await using var app = await AlertsTestApp.StartAsync(Settings(site, FreePort.Next()));

        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id.StartsWith(CrawlJob.JobIdPrefix, StringComparison.Ordinal));
        Assert.Equal(("crawl-site-shop", "0 3 1 1 *"), (job.Id, job.Cron));
    }

    private sealed record Found(Incident Incident, string Url, List<string> Referrers)
    {
        public long Count => Incident.Count;
    }

    private static Task<List<Found>> IncidentsAsync(AlertsTestApp app) => app.QueryAsync(async db =>
    {
        var incidents = await db.Incidents.AsNoTracking().Where(i => i.ProjectId == AlertsTestApp.ProjectId).ToListAsync();
        var found = new List<Found>();
        foreach (var i in incidents)
        {
            var payload = await db.Events.Where(e => e.Id == i.LastEventId).Select(e => e.Payload).SingleAsync();
            var referrers = await db.BrokenLinkReferrers.Where(r => r.IncidentId == i.Id).Select(r => r.Referrer).ToListAsync();
            found.Add(new Found(i, EventJson.Read(payload).Request!.Url!, referrers));
        }
        return found;
    });
}
