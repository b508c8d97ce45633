using System.Net;
using System.Net.Http.Headers;
using Alerts.Core.Options;
using Microsoft.Extensions.Logging;

namespace Alerts.Notifier.Crawler;

/// <summary>What a run knows of a target when it ends.</summary>
public enum TargetState { Pending, Ok, Dead, Disallowed, Skipped, Failed }

/// <summary>A dead link as a visitor would meet it: the URL that answered 404/410 (after redirects) and the page linking to it.</summary>
public sealed record DeadLink(string Url, string Referrer, bool External, int Status);

/// <summary>The figures of a run so far (the crawl report).</summary>
public sealed class CrawlStats
{
    public int Pages { get; set; }
    public int NotModified { get; set; }
    public int LinksChecked { get; set; }
    public int DeadInternal { get; set; }
    public int DeadExternal { get; set; }
    public int LongRedirects { get; set; }
    public int Requests { get; set; }
    public int Disallowed { get; set; }
    public int Oversized { get; set; }
    public int WorksAgain { get; set; }
}

/// <summary>A run's end: its figures, whether it saw the whole site, the dead links and what auto-resolve asks of it.</summary>
public sealed record CrawlOutcome(CrawlStats Stats, bool BudgetReached, IReadOnlyList<DeadLink> Dead, IReadOnlyList<string> WorksAgain, CrawlFacts Facts);

/// <summary>
/// One crawl of one site, one request at a time: robots.txt first, then the start URL and the sitemap's pages
/// breadth first, each page's links checked once per run. Conditional requests spare unchanged pages and resources.
/// </summary>
internal sealed class SiteCrawler(
    SiteOptions site,
    CrawlerOptions options,
    HttpClient http,
    CrawlUrlStore store,
    TimeProvider clock,
    ILogger logger,
    Func<CrawlStats, CancellationToken, Task> progress)
{
    private const int MaxHops = 10;
    private const int MaxReferrersPerTarget = 20;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ExternalCacheFor = TimeSpan.FromDays(1);

    private readonly Uri _start = new(site.StartUrl);
    private readonly Dictionary<string, Target> _targets = new(StringComparer.Ordinal);
    private readonly Queue<(Target Target, int Depth)> _frontier = new();
    private readonly HashSet<string> _crawledPages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _nextRequestAt = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _worksAgain = [];
    private readonly CrawlStats _stats = new();
    private RobotsTxt _robots = RobotsTxt.AllowAll;
    private DateTime _lastProgress;

    private sealed class Target(Uri url, bool external)
    {
        public Uri Url { get; } = url;
        public bool External { get; } = external;
        public TargetState State { get; set; }
        public int Status { get; set; }
        public string? FinalUrl { get; set; }
        public List<string>? Referrers { get; set; } = [];

        public void AddReferrer(string referrer)
        {
            if (Referrers is { Count: < MaxReferrersPerTarget } list && !list.Contains(referrer, StringComparer.Ordinal)) list.Add(referrer);
        }
    }

    public async Task<CrawlOutcome> RunAsync(CancellationToken ct)
    {
        await store.LoadAsync(ct);
        _robots = await ReadRobotsAsync(ct);
        var start = Register(_start, external: false);
        _frontier.Enqueue((start, 0));
        foreach (var page in await SitemapPagesAsync(ct))
        {
            var target = Register(page.Url, external: false);
            target.AddReferrer(page.Sitemap);
            if (target.State == TargetState.Pending && !_frontier.Any(f => ReferenceEquals(f.Target, target))) _frontier.Enqueue((target, 1));
        }

        var budgetReached = false;
        try
        {
            while (_frontier.TryDequeue(out var next))
            {
                ct.ThrowIfCancellationRequested();
                if (_stats.Pages >= site.PageBudget)
                {
                    budgetReached = true;
                    break;
                }
                await CrawlPageAsync(next.Target, next.Depth, ct);
                await ReportProgressAsync(ct);
            }
        }
        finally
        {
            await store.FlushAsync(CancellationToken.None);
        }
        return new CrawlOutcome(_stats, budgetReached, DeadLinks(), _worksAgain, Facts());
    }

    private Target Register(Uri url, bool external)
    {
        if (_targets.TryGetValue(url.AbsoluteUri, out var known)) return known;
        var target = new Target(url, external);
        _targets[url.AbsoluteUri] = target;
        return target;
    }

    private async Task CrawlPageAsync(Target page, int depth, CancellationToken ct)
    {
        if (!_robots.IsAllowed(page.Url.PathAndQuery))
        {
            Disallow(page);
            return;
        }
        _stats.Pages++;
        _stats.LinksChecked++;
        var cached = store.Find(page.Url.AbsoluteUri);
        var fetched = await FetchAsync(page.Url, HttpMethod.Get, cached, readBody: true, ct);
        Settle(page, fetched, cached);
        if (fetched.FinalUrl is not { } final || !LinkRules.IsSameSite(_start, final)) return; // off-site: checked, never crawled
        if (!ReferenceEquals(final, page.Url) && final.AbsoluteUri != page.Url.AbsoluteUri)
        {
            var landed = Register(final, external: false);
            if (landed.State == TargetState.Pending && landed.Referrers is not null) landed.State = page.State; // reached already
        }

        string? links = null;
        if (fetched.Status == (int)HttpStatusCode.NotModified)
        {
            _stats.NotModified++;
            links = await store.LinksAsync(page.Url.AbsoluteUri, ct);
        }
        else if (fetched.Body is { } body && fetched.IsHtml)
        {
            var extracted = LinkExtractor.Extract(body, final, options.MaxLinksPerPage);
            links = string.Join('\n', extracted.Select(l => (l.Kind == LinkKind.Page ? "p " : "r ") + l.Target.AbsoluteUri));
        }
        await store.RecordAsync(page.Url.AbsoluteUri, fetched.ETag ?? cached?.ETag, fetched.LastModified ?? cached?.LastModified,
            fetched.Status == 304 ? cached?.Status ?? 200 : fetched.Status, page.State == TargetState.Dead, links, Now, ct);
        if (page.State != TargetState.Ok || links is null) return;
        _crawledPages.Add(page.Url.AbsoluteUri);
        _crawledPages.Add(final.AbsoluteUri);
        var referrer = final.AbsoluteUri;
        foreach (var line in links.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length < 3 || !Uri.TryCreate(line[2..], UriKind.Absolute, out var url)) continue;
            await FollowAsync(url, line[0] == 'p' ? LinkKind.Page : LinkKind.Resource, referrer, depth + 1, ct);
        }
    }

    private async Task FollowAsync(Uri url, LinkKind kind, string referrer, int depth, CancellationToken ct)
    {
        var external = !LinkRules.IsSameSite(_start, url);
        var isNew = !_targets.ContainsKey(url.AbsoluteUri);
        var target = Register(url, external);
        target.AddReferrer(referrer);
        if (!isNew) return;
        if (!external && kind == LinkKind.Page && depth <= site.MaxDepth)
        {
            _frontier.Enqueue((target, depth));
            return;
        }
        await CheckAsync(target, ct);
        await ReportProgressAsync(ct);
    }

    /// <summary>Checks a link without crawling it: HEAD, then GET when HEAD is not answered with success.</summary>
    private async Task CheckAsync(Target target, CancellationToken ct)
    {
        if (target.External && !site.CheckExternalLinks)
        {
            target.State = TargetState.Skipped;
            target.Referrers = null;
            return;
        }
        if (!target.External && !_robots.IsAllowed(target.Url.PathAndQuery))
        {
            Disallow(target);
            return;
        }
        _stats.LinksChecked++;
        var cached = store.Find(target.Url.AbsoluteUri);
        if (target.External && cached is not null && Now - cached.CheckedAt < ExternalCacheFor)
        {
            target.State = cached.Dead ? TargetState.Dead : cached.Status == 0 ? TargetState.Failed : TargetState.Ok;
            target.Status = cached.Status;
            target.FinalUrl = target.Url.AbsoluteUri;
            if (target.State == TargetState.Dead) Count(target); else target.Referrers = null;
            return;
        }
        var fetched = await FetchAsync(target.Url, HttpMethod.Head, cached, readBody: false, ct);
        if (!fetched.Succeeded && !fetched.Refused)
        {
            fetched = await FetchAsync(target.Url, HttpMethod.Get, cached, readBody: false, ct);
            // A link to another site that does not answer is dead only if it still does not on a second try.
            if (target.External && fetched is { Status: 0, Refused: false })
                fetched = await FetchAsync(target.Url, HttpMethod.Get, cached, readBody: false, ct);
        }
        Settle(target, fetched, cached);
        await store.RecordAsync(target.Url.AbsoluteUri, fetched.ETag ?? cached?.ETag, fetched.LastModified ?? cached?.LastModified,
            fetched.Status == 304 ? cached?.Status ?? 200 : fetched.Status, target.State == TargetState.Dead, null, Now, ct);
    }

    /// <summary>What an answer makes of a target, and what it adds to the report.</summary>
    private void Settle(Target target, Fetched fetched, CachedUrl? cached)
    {
        target.Status = fetched.Status;
        target.FinalUrl = fetched.FinalUrl?.AbsoluteUri ?? target.Url.AbsoluteUri;
        if (fetched.Hops > site.LongRedirectChain) _stats.LongRedirects++;
        if (fetched.Oversized) _stats.Oversized++;
        target.State = fetched switch
        {
            { Status: 404 or 410 } => TargetState.Dead,
            { Refused: true } => TargetState.Skipped,
            // Another site that never answers is as dead to a visitor as a 404; our own site down is not a broken link.
            { Status: 0 } when target.External => TargetState.Dead,
            { Status: 0 } => TargetState.Failed,
            _ => TargetState.Ok,
        };
        if (target.State == TargetState.Dead) Count(target);
        else target.Referrers = null; // only dead targets need their referrers
        if (target.State == TargetState.Ok && cached is { Dead: true })
        {
            _stats.WorksAgain++;
            if (_worksAgain.Count < 100) _worksAgain.Add(target.Url.AbsoluteUri);
        }
    }

    private void Count(Target target)
    {
        if (target.External) _stats.DeadExternal++;
        else _stats.DeadInternal++;
    }

    private void Disallow(Target target)
    {
        target.State = TargetState.Disallowed;
        target.Referrers = null;
        _stats.Disallowed++;
    }

    private sealed class Fetched
    {
        public int Status { get; init; }
        public Uri? FinalUrl { get; init; }
        public int Hops { get; init; }
        public string? Body { get; init; }
        public bool IsHtml { get; init; }
        public bool Oversized { get; init; }
        public bool Refused { get; init; }
        public string? ETag { get; init; }
        public string? LastModified { get; init; }
        public bool Succeeded => Status is >= 200 and < 400;
    }

    /// <summary>
    /// One request and its redirects, each hop paced per host and checked against private addresses (in the handler).
    /// Status 0: no answer (DNS, connection, timeout).
    /// </summary>
    private async Task<Fetched> FetchAsync(Uri url, HttpMethod method, CachedUrl? cached, bool readBody, CancellationToken ct)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            await PaceAsync(current, ct);
            using var request = new HttpRequestMessage(method, current);
            if (hop == 0 && cached is { Dead: false })
            {
                if (cached.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag)) request.Headers.IfNoneMatch.Add(tag);
                else if (cached.LastModified is { } lm && DateTimeOffset.TryParse(lm, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
                    request.Headers.IfModifiedSince = since;
            }
            _stats.Requests++;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (HttpRequestException ex) when (ex.InnerException is PrivateTargetRefusedException)
            {
                logger.LogInformation("Crawl of {Site}: {Url} refused: {Reason}", site.Id, current, ex.InnerException.Message);
                return new Fetched { Refused = true, FinalUrl = current, Hops = hop };
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return new Fetched { Status = 0, FinalUrl = current, Hops = hop };
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location && hop < MaxHops)
                {
                    current = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (current.Scheme is not ("http" or "https")) return new Fetched { Status = status, FinalUrl = current, Hops = hop + 1 };
                    // Off-site, a page is only checked: its body is never read.
                    if (!LinkRules.IsSameSite(_start, current)) readBody = false;
                    if (status == 303) method = HttpMethod.Get;
                    continue;
                }
                var etag = response.Headers.ETag?.ToString();
                var lastModified = response.Content.Headers.LastModified?.ToString("R");
                var isHtml = response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml";
                if (!readBody || status != 200 || !isHtml)
                    return new Fetched { Status = status, FinalUrl = current, Hops = hop, ETag = etag, LastModified = lastModified };
                var (body, oversized) = await ReadCappedAsync(response, ct);
                return new Fetched { Status = status, FinalUrl = current, Hops = hop, Body = body, IsHtml = true, Oversized = oversized, ETag = etag, LastModified = lastModified };
            }
        }
    }

    /// <summary>Reads at most MaxResponseBytes; a longer body is cut there (and its links read as far as it goes).</summary>
    private Task<(string Body, bool Oversized)> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct) =>
        CrawlHttp.ReadCappedAsync(response, options.MaxResponseBytes, ct);

    /// <summary>Waits until the host may be asked again: the site's requests per second, or robots.txt's Crawl-delay if longer.</summary>
    private async Task PaceAsync(Uri url, CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(1 / site.RequestsPerSecond);
        if (LinkRules.IsSameSite(_start, url) && _robots.CrawlDelay is { } delay && delay > interval) interval = delay;
        var now = Now;
        if (_nextRequestAt.TryGetValue(url.Authority, out var at) && at > now)
        {
            await Task.Delay(at - now, clock, ct);
            now = at;
        }
        _nextRequestAt[url.Authority] = now + interval;
    }

    private async Task<RobotsTxt> ReadRobotsAsync(CancellationToken ct)
    {
        var url = new Uri(_start, "/robots.txt");
        await PaceAsync(url, ct);
        _stats.Requests++;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500) return RobotsTxt.AllowAll; // RFC 9309: unavailable, crawl freely
            if (status != 200) return RobotsTxt.DisallowAll;          // unreachable: assume everything disallowed
            var (text, _) = await ReadCappedAsync(response, ct);       // RFC 9309 asks for at least 500 KiB
            return RobotsTxt.Parse(text, CrawlerOptions.ProductToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is PrivateTargetRefusedException refused)
        {
            throw refused; // the site itself is refused: the run fails and says why
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Crawl of {Site}: robots.txt could not be read ({Error}); nothing is crawled", site.Id, ex.Message);
            return RobotsTxt.DisallowAll;
        }
    }

    /// <summary>The same-site pages of the configured sitemap and of those robots.txt names (a sitemap index is followed one level).</summary>
    private async Task<List<(Uri Url, string Sitemap)>> SitemapPagesAsync(CancellationToken ct)
    {
        var sitemaps = new Queue<(string Url, int Level)>();
        if (!string.IsNullOrEmpty(site.Sitemap)) sitemaps.Enqueue((site.Sitemap, 0));
        foreach (var s in _robots.Sitemaps) sitemaps.Enqueue((s, 0));
        var pages = new List<(Uri, string)>();
        var read = new HashSet<string>(StringComparer.Ordinal);
        while (sitemaps.TryDequeue(out var sitemap) && pages.Count < site.PageBudget)
        {
            if (!Uri.TryCreate(sitemap.Url, UriKind.Absolute, out var url) || !LinkRules.IsSameSite(_start, url) || !read.Add(url.AbsoluteUri)) continue;
            await PaceAsync(url, ct);
            _stats.Requests++;
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!response.IsSuccessStatusCode) continue;
                var (xml, _) = await ReadCappedAsync(response, ct);
                var entries = SitemapReader.Read(xml);
                foreach (var loc in entries.Sitemaps.Where(_ => sitemap.Level == 0)) sitemaps.Enqueue((loc, 1));
                foreach (var loc in entries.Pages)
                    if (Uri.TryCreate(loc, UriKind.Absolute, out var page) && page.Scheme is "http" or "https" && LinkRules.IsSameSite(_start, page))
                        pages.Add((page, url.AbsoluteUri));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Crawl of {Site}: sitemap {Url} could not be read ({Error})", site.Id, url, ex.Message);
            }
        }
        return pages;
    }

    private async Task ReportProgressAsync(CancellationToken ct)
    {
        if (Now - _lastProgress < ProgressEvery) return;
        _lastProgress = Now;
        await progress(_stats, ct);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private List<DeadLink> DeadLinks() =>
    [
        .. _targets.Values.Where(t => t.State == TargetState.Dead)
            .SelectMany(t => (t.Referrers ?? []).Select(r => new DeadLink(t.FinalUrl ?? t.Url.AbsoluteUri, r, t.External, t.Status))),
    ];

    private CrawlFacts Facts()
    {
        var states = _targets.ToDictionary(t => t.Key, t => t.Value.State, StringComparer.Ordinal);
        foreach (var t in _targets.Values.Where(t => t.FinalUrl is not null && t.FinalUrl != t.Url.AbsoluteUri))
            states.TryAdd(t.FinalUrl!, t.State);
        return new CrawlFacts(_crawledPages, states);
    }
}
