using AngleSharp.Html.Parser;

namespace Alerts.Notifier.Crawler;

/// <summary>What a link is to the crawler: a page it may follow (<c>a</c>, <c>area</c>), or a resource it only checks.</summary>
public enum LinkKind { Page, Resource }

public readonly record struct Link(Uri Target, LinkKind Kind);

/// <summary>The links of an HTML page, resolved against its <c>&lt;base&gt;</c> and URL. Pure.</summary>
public static class LinkExtractor
{
    private static readonly HtmlParser Parser = new(new HtmlParserOptions { IsScripting = false });

    /// <summary>
    /// The page's <c>a</c>/<c>area href</c> (pages) and <c>link href</c>, <c>img src</c>, <c>script src</c> (resources),
    /// each once, in document order, at most <paramref name="max"/>.
    /// </summary>
    public static IReadOnlyList<Link> Extract(string html, Uri pageUrl, int max = 5000)
    {
        using var document = Parser.ParseDocument(html);
        var baseUrl = pageUrl;
        if (document.QuerySelector("base[href]")?.GetAttribute("href") is { } href
            && LinkRules.Resolve(pageUrl, href) is { } declared)
            baseUrl = declared;

        var links = new List<Link>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in document.QuerySelectorAll("a[href], area[href], link[href], img[src], script[src]"))
        {
            var (attribute, kind) = element.LocalName switch
            {
                "a" or "area" => ("href", LinkKind.Page),
                "link" => ("href", LinkKind.Resource),
                _ => ("src", LinkKind.Resource),
            };
            if (element.LocalName == "link" && !LinkRules.IsFetchedRel(element.GetAttribute("rel"))) continue;
            if (LinkRules.Resolve(baseUrl, element.GetAttribute(attribute)) is not { } target) continue;
            if (!seen.Add(target.AbsoluteUri)) continue;
            links.Add(new Link(target, kind));
            if (links.Count >= max) break;
        }
        return links;
    }
}

/// <summary>The crawler's rules for one link: what is skipped, how it resolves, what is the same site. Pure.</summary>
public static class LinkRules
{
    /// <summary>
    /// The absolute http(s) URL a link points to, without its fragment; null for what is no fetchable link: empty, a
    /// fragment of this page, <c>mailto:</c>, <c>javascript:</c>, <c>tel:</c>, <c>data:</c> and every other scheme.
    /// </summary>
    public static Uri? Resolve(Uri baseUrl, string? href)
    {
        var raw = href?.Trim(' ', '\t', '\n', '\r', '\f');
        if (string.IsNullOrEmpty(raw) || raw.StartsWith('#')) return null;
        if (!Uri.TryCreate(baseUrl, raw, out var target) || target.Scheme is not ("http" or "https")) return null;
        if (string.IsNullOrEmpty(target.Host)) return null;
        return target.Fragment.Length == 0 ? target : new Uri(target.GetLeftPart(UriPartial.Query));
    }

    /// <summary>Same site: the same host and port as the start URL; http and https of one host are one site.</summary>
    public static bool IsSameSite(Uri site, Uri target) =>
        string.Equals(site.Host, target.Host, StringComparison.OrdinalIgnoreCase)
        && (site.Port == target.Port || (site.IsDefaultPort && target.IsDefaultPort));

    /// <summary>
    /// A <c>&lt;link&gt;</c> whose target is a document (stylesheet, icon, canonical, alternate...), not a hint to
    /// open a connection (<c>preconnect</c>, <c>dns-prefetch</c>), whose href is an origin and not a resource.
    /// </summary>
    public static bool IsFetchedRel(string? rel)
    {
        if (string.IsNullOrWhiteSpace(rel)) return true;
        var tokens = rel.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return !tokens.All(t => t.Equals("preconnect", StringComparison.OrdinalIgnoreCase) || t.Equals("dns-prefetch", StringComparison.OrdinalIgnoreCase));
    }
}
