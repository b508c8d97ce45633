using System.Net;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Crawler;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Tests.Crawler;

/// <summary>The crawler's pure rules, table by table: robots.txt, links, private addresses, sitemaps, auto-resolve.</summary>
public sealed class CrawlerRulesTests
{
    private const string Robots = """
        # comments and blank lines are ignored
        User-agent: *
        Disallow: /private/
        Allow: /private/open.html
        Disallow: /*.pdf$
        Crawl-delay: 3

        User-agent: alertslinkchecker
        User-agent: OtherBot
        Disallow: /ours-only/
        Disallow: /tmp
        Allow: /tmp/keep
        Disallow: /search?q=*
        Crawl-delay: 0.5

        Sitemap: https://shop.example.com/sitemap.xml
        """;

    public static TheoryData<string, string, bool> RobotsCases => new()
    {
        // Our group is chosen (case-insensitive token); the * group does not apply to us then.
        { "our group's Disallow", "/ours-only/page", false },
        { "the * group is not ours", "/private/x", true },
        { "prefix match", "/tmpfile", false },
        { "longest match wins: Allow", "/tmp/keep/a", true },
        { "wildcard with query", "/search?q=shoes", false },
        { "query that does not match", "/search?page=2", true },
        { "no rule", "/about", true },
        { "robots.txt always allowed", "/robots.txt", true },
    };

    [Theory]
    [MemberData(nameof(RobotsCases))]
    public void RobotsTxt_OurGroup(string why, string path, bool allowed)
    {
        var robots = RobotsTxt.Parse(Robots, CrawlerOptions.ProductToken);
        Assert.True(allowed == robots.IsAllowed(path), why);
    }

    public static TheoryData<string, string, bool> StarGroupCases => new()
    {
        { "Disallow", "/private/a.html", false },
        { "longer Allow wins", "/private/open.html", true },
        { "$ anchors the end", "/files/a.pdf", false },
        { "$ does not match a longer path", "/files/a.pdf.html", true },
        { "elsewhere", "/", true },
    };

    [Theory]
    [MemberData(nameof(StarGroupCases))]
    public void RobotsTxt_StarGroupWhenNoneNamesUs(string why, string path, bool allowed)
    {
        var robots = RobotsTxt.Parse(Robots, "SomeOtherCrawler");
        Assert.True(allowed == robots.IsAllowed(path), why);
    }

    [Fact]
    public void RobotsTxt_CrawlDelayOfOurGroup_AndSitemapsWhereverTheyStand()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.5), RobotsTxt.Parse(Robots, CrawlerOptions.ProductToken).CrawlDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), RobotsTxt.Parse(Robots, "SomeOtherCrawler").CrawlDelay);
        Assert.Equal(["https://shop.example.com/sitemap.xml"], RobotsTxt.Parse(Robots, "x").Sitemaps);
    }

    public static TheoryData<string, string, string, bool> MatchCases => new()
    {
        { "equal allow and disallow: allow wins", "Disallow: /a\nAllow: /a", "/a", true },
        { "empty Disallow is no rule", "Disallow:", "/anything", true },
        { "star in the middle", "Disallow: /a*/c", "/ab/xyz/c", false },
        { "many stars do not run away", "Disallow: /*a*a*a*a*a*a*a*b", "/" + new string('a', 5000), true },
        { "no user-agent line: nothing applies", "Disallow: /", "/x", true },
        { "CRLF lines", "User-agent: *\r\nDisallow: /x\r\n", "/x/y", false },
    };

    [Theory]
    [MemberData(nameof(MatchCases))]
    public void RobotsTxt_Matching(string why, string rules, string path, bool allowed)
    {
        var text = rules.StartsWith("User-agent", StringComparison.Ordinal) || rules.StartsWith("Disallow: /\n", StringComparison.Ordinal) || why.StartsWith("no user-agent", StringComparison.Ordinal)
            ? rules : "User-agent: *\n" + rules;
        Assert.True(allowed == RobotsTxt.Parse(text, CrawlerOptions.ProductToken).IsAllowed(path), why);
    }

    [Fact]
    public void RobotsTxt_Unreadable_DisallowsAll_Missing_AllowsAll()
    {
        Assert.False(RobotsTxt.DisallowAll.IsAllowed("/"));
        Assert.True(RobotsTxt.AllowAll.IsAllowed("/anything"));
    }

    public static TheoryData<string, string?> ResolveCases => new()
    {
        { "/about.html", "https://shop.example.com/about.html" },
        { "team/", "https://shop.example.com/docs/team/" },
        { "../up.html", "https://shop.example.com/up.html" },
        { "//cdn.example.net/a.js", "https://cdn.example.net/a.js" },
        { "/page.html#section", "https://shop.example.com/page.html" },
        { "  /spaced.html \n", "https://shop.example.com/spaced.html" },
        { "?page=2", "https://shop.example.com/docs/index.html?page=2" },
        { "#top", null },
        { "", null },
        { "mailto:max@example.com", null },
        { "javascript:void(0)", null },
        { "tel:+4412345", null },
        { "data:image/png;base64,AAAA", null },
        { "ftp://files.example.com/a", null },
    };

    [Theory]
    [MemberData(nameof(ResolveCases))]
    public void LinkRules_Resolve(string href, string? expected) =>
        Assert.Equal(expected, LinkRules.Resolve(new Uri("https://shop.example.com/docs/index.html"), href)?.AbsoluteUri);

    public static TheoryData<string, bool> SameSiteCases => new()
    {
        { "https://shop.example.com/x", true },
        { "http://shop.example.com/x", true },
        { "https://SHOP.example.com/x", true },
        { "https://www.shop.example.com/x", false },
        { "https://shop.example.com:8443/x", false },
        { "https://example.com/x", false },
    };

    [Theory]
    [MemberData(nameof(SameSiteCases))]
    public void LinkRules_SameSite(string url, bool same) =>
        Assert.Equal(same, LinkRules.IsSameSite(new Uri("https://shop.example.com/"), new Uri(url)));

    [Fact]
    public void LinkExtractor_PagesAndResources_BaseHref_SkipsAndDuplicates()
    {
        const string Html = """
            <html><head><base href="https://shop.example.com/docs/"><link rel="stylesheet" href="/s.css">
            <link rel="preconnect" href="https://fonts.example.net"><link rel="icon" href="favicon.ico"><script src="app.js"></script><script>inline()</script></head>
            <body><a href="intro.html">a</a><a href="intro.html#x">dup</a><a>no href</a><area href="/map.html"><img src="pic.png"><img alt="no src">
            <a href="mailto:a@b.c">m</a><a href="javascript:x()">j</a><a href="#frag">f</a><a href="https://other.example.org/">ext</a></body></html>
            """;
        var links = LinkExtractor.Extract(Html, new Uri("https://shop.example.com/index.html"));
        Assert.Equal(
        [
            ("https://shop.example.com/s.css", LinkKind.Resource),
            ("https://shop.example.com/docs/favicon.ico", LinkKind.Resource),
            ("https://shop.example.com/docs/app.js", LinkKind.Resource),
            ("https://shop.example.com/docs/intro.html", LinkKind.Page),
            ("https://shop.example.com/map.html", LinkKind.Page),
            ("https://shop.example.com/docs/pic.png", LinkKind.Resource),
            ("https://other.example.org/", LinkKind.Page),
        ], links.Select(l => (l.Target.AbsoluteUri, l.Kind)));
    }

    [Fact]
    public void LinkExtractor_AtMostMaxLinks()
    {
        var html = string.Concat(Enumerable.Range(0, 50).Select(i => $"<a href=\"/p{i}\">x</a>"));
        Assert.Equal(10, LinkExtractor.Extract(html, new Uri("https://shop.example.com/"), max: 10).Count);
    }

    public static TheoryData<string, bool> AddressCases => new()
    {
        { "127.0.0.1", true }, { "127.0.0.2", true }, { "10.1.2.3", true }, { "172.16.0.1", true }, { "172.31.255.255", true },
        { "172.32.0.1", false }, { "192.168.1.1", true }, { "169.254.169.254", true }, { "100.64.0.1", true }, { "100.128.0.1", false },
        { "0.0.0.0", true }, { "224.0.0.1", true }, { "8.8.8.8", false }, { "93.184.216.34", false }, { "::1", true }, { "::", true },
        { "fe80::1", true }, { "fd00::1", true }, { "::ffff:127.0.0.1", true }, { "::ffff:8.8.8.8", false }, { "2001:4860:4860::8888", false },
    };

    [Theory]
    [MemberData(nameof(AddressCases))]
    public void PrivateAddress_Table(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, PrivateAddress.IsPrivate(IPAddress.Parse(address)));

    [Fact]
    public void SitemapReader_PagesOfAUrlset_SitemapsOfAnIndex_NoEntities()
    {
        var urlset = SitemapReader.Read("""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://a.example/1 </loc></url><url><loc>https://a.example/2</loc></url></urlset>""");
        Assert.Equal(["https://a.example/1", "https://a.example/2"], urlset.Pages);
        var index = SitemapReader.Read("""<sitemapindex><sitemap><loc>https://a.example/s1.xml</loc></sitemap></sitemapindex>""");
        Assert.Equal((0, "https://a.example/s1.xml"), (index.Pages.Count, index.Sitemaps.Single()));
        var hostile = SitemapReader.Read("""<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>""");
        Assert.Empty(hostile.Pages);
        Assert.Equal(["https://a.example/1"], SitemapReader.Read("<urlset><url><loc>https://a.example/1</loc></url><url><loc>cut").Pages);
    }

    private static readonly CrawlFacts Facts = new(
        new HashSet<string> { "https://shop.example.com/", "https://shop.example.com/blog/" },
        new Dictionary<string, TargetState>
        {
            ["https://shop.example.com/fixed"] = TargetState.Ok,
            ["https://shop.example.com/dead"] = TargetState.Dead,
            ["https://shop.example.com/private/x"] = TargetState.Disallowed,
        });

    public static TheoryData<string, string, string[], AutoResolveVerdict> AutoResolveCases => new()
    {
        { "the target answers now", "https://shop.example.com/fixed", ["https://partner.example.org/"], AutoResolveVerdict.WorksAgain },
        { "still dead", "https://shop.example.com/dead", ["https://shop.example.com/"], AutoResolveVerdict.Keep },
        { "not checked (robots)", "https://shop.example.com/private/x", ["https://shop.example.com/"], AutoResolveVerdict.Keep },
        { "every referrer crawled, none links", "https://shop.example.com/old", ["https://shop.example.com/", "https://shop.example.com/blog/"], AutoResolveVerdict.NoLongerLinked },
        { "a referrer elsewhere may still link", "https://shop.example.com/old", ["https://shop.example.com/", "https://partner.example.org/"], AutoResolveVerdict.Keep },
        { "a referrer page not crawled", "https://shop.example.com/old", ["https://shop.example.com/unlinked-page"], AutoResolveVerdict.Keep },
        { "no referrer at all", "https://shop.example.com/old", [], AutoResolveVerdict.Keep },
        { "a target that is no URL", "/old", ["https://shop.example.com/"], AutoResolveVerdict.Keep },
    };

    [Theory]
    [MemberData(nameof(AutoResolveCases))]
    public void AutoResolveRule_Table(string why, string target, string[] referrers, AutoResolveVerdict expected) =>
        Assert.True(expected == AutoResolveRule.Decide(target, referrers, Facts), why);

    [Fact]
    public void CrawlersUserAgent_IsNotScannerNoise_ByTheBuiltInLists()
    {
        var rules = new BrokenLinkRuleSet([],
            [.. ScannerNoiseOptions.DefaultUserAgents.Select(p => BrokenLinkRules.Pattern(p, p))],
            [.. ScannerNoiseOptions.DefaultProbeUrls.Select(p => BrokenLinkRules.Pattern(p, p))]);
        var verdict = BrokenLinkRules.Classify("https://shop.example.com/old-page", "https://shop.example.com/blog/", CrawlerOptions.UserAgent, rules);
        Assert.Equal(BrokenLinkVerdict.Reported, verdict);
        Assert.StartsWith("AlertsLinkChecker/", CrawlerOptions.UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public void CrawlEvent_HasTheVisitorsFingerprint_ExternalLinksTheirOwn()
    {
        var visitor = new Core.Events.EventPayload { Request = new Core.Events.RequestInfo { Url = "https://shop.example.com/old?x=1", Referrer = "https://shop.example.com/" } };
        var crawled = CrawlRunner.EventOf(new DeadLink("https://shop.example.com/old?x=1", "https://shop.example.com/blog/", External: false, 404));
        Assert.Equal(Fingerprinter.Compute(Core.Events.EventKind.BrokenLink, visitor), Fingerprinter.Compute(Core.Events.EventKind.BrokenLink, crawled));
        Assert.Equal("crawl", crawled.Tags![CrawlRunner.FoundByTag]);
        var external = CrawlRunner.EventOf(new DeadLink("https://partner.example.org/old?x=1", "https://shop.example.com/", External: true, 404));
        Assert.NotEqual(Fingerprinter.Compute(Core.Events.EventKind.BrokenLink, visitor), Fingerprinter.Compute(Core.Events.EventKind.BrokenLink, external));
    }

    public static TheoryData<string, string, string> SiteValidationCases => new()
    {
        { "Id", "a b", "Alerts:Sites:0:Id must be 1 to 100 letters" },
        { "StartUrl", "ftp://x", "Alerts:Sites:0:StartUrl 'ftp://x' is not an absolute http(s) URL." },
        { "Schedule", "every day", "Alerts:Sites:0:Schedule 'every day' is not a cron expression" },
        { "RequestsPerSecond", "0", "Alerts:Sites:0:RequestsPerSecond must be above 0" },
        { "PageBudget", "0", "Alerts:Sites:0:PageBudget must be between 1 and 1000000." },
        { "ProjectId", "0", "Alerts:Sites:0:ProjectId must be a project's id." },
    };

    [Theory]
    [MemberData(nameof(SiteValidationCases))]
    public void SiteOptions_Validation_NamesTheKey(string key, string value, string message)
    {
        var site = new SiteOptions { Id = "shop", ProjectId = 1, StartUrl = "https://shop.example.com/" };
        typeof(SiteOptions).GetProperty(key)!.SetValue(site, Convert.ChangeType(value, typeof(SiteOptions).GetProperty(key)!.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
        var errors = AlertsOptionsErrors(new AlertsOptions { Sites = [site] });
        Assert.Contains(errors, e => e.StartsWith(message, StringComparison.Ordinal));
        Assert.Empty(AlertsOptionsErrors(new AlertsOptions { Sites = [new SiteOptions { Id = "shop", ProjectId = 1, StartUrl = "https://shop.example.com/" }] }));
    }

    private static List<string> AlertsOptionsErrors(AlertsOptions options)
    {
        using var services = new ServiceCollection().AddAlertsOptions().BuildServiceProvider();
        var result = services.GetServices<IValidateOptions<AlertsOptions>>().Select(v => v.Validate(null, options)).ToList();
        return [.. result.Where(r => r.Failed).SelectMany(r => r.Failures ?? [])];
    }
}
