namespace Alerts.Notifier.Crawler;

/// <summary>What a complete run saw: the pages it crawled and the state of every target it met (by absolute URL).</summary>
public sealed record CrawlFacts(IReadOnlySet<string> CrawledPages, IReadOnlyDictionary<string, TargetState> Targets);

public enum AutoResolveVerdict { Keep, WorksAgain, NoLongerLinked }

/// <summary>
/// Whether a complete crawl resolves an open broken-link incident: its target answered this run, or no crawled page
/// links to it any more while every page that referred to it was crawled (a referrer elsewhere may still link). Pure.
/// </summary>
public static class AutoResolveRule
{
    public static AutoResolveVerdict Decide(string target, IReadOnlyCollection<string> referrers, CrawlFacts facts)
    {
        if (!Uri.TryCreate(target, UriKind.Absolute, out var url)) return AutoResolveVerdict.Keep;
        if (facts.Targets.TryGetValue(url.AbsoluteUri, out var state))
            return state == TargetState.Ok ? AutoResolveVerdict.WorksAgain : AutoResolveVerdict.Keep;
        var pages = referrers.Where(r => r.Length > 0).ToList();
        if (pages.Count == 0) return AutoResolveVerdict.Keep;
        return pages.All(r => Uri.TryCreate(r, UriKind.Absolute, out var page) && facts.CrawledPages.Contains(page.AbsoluteUri))
            ? AutoResolveVerdict.NoLongerLinked
            : AutoResolveVerdict.Keep;
    }
}
