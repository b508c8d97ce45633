using System.Globalization;

namespace Alerts.Notifier.Crawler;

/// <summary>
/// A robots.txt as RFC 9309 reads it, for one crawler: the groups naming its product token (or else the <c>*</c>
/// groups), their Allow and Disallow rules with <c>*</c> and <c>$</c>, and the non-standard Crawl-delay. Pure.
/// </summary>
public sealed class RobotsTxt
{
    /// <summary>Allows everything: no robots.txt (4xx), as the RFC says.</summary>
    public static readonly RobotsTxt AllowAll = new([], null, []);

    /// <summary>Allows nothing: robots.txt could not be read (5xx, no answer), as the RFC says.</summary>
    public static readonly RobotsTxt DisallowAll = new([new Rule("/", Allow: false)], null, []);

    private readonly IReadOnlyList<Rule> _rules;

    private RobotsTxt(IReadOnlyList<Rule> rules, TimeSpan? crawlDelay, IReadOnlyList<string> sitemaps)
    {
        _rules = rules;
        CrawlDelay = crawlDelay;
        Sitemaps = sitemaps;
    }

    /// <summary>The Crawl-delay of the group that applies, if it has one.</summary>
    public TimeSpan? CrawlDelay { get; }

    /// <summary>The Sitemap lines, wherever they stand.</summary>
    public IReadOnlyList<string> Sitemaps { get; }

    private sealed record Rule(string Pattern, bool Allow);

    private sealed class Group
    {
        public List<string> Agents { get; } = [];
        public List<Rule> Rules { get; } = [];
        public TimeSpan? CrawlDelay { get; set; }
    }

    /// <summary>Reads a robots.txt for the crawler whose product token is <paramref name="productToken"/> (case-insensitive).</summary>
    public static RobotsTxt Parse(string text, string productToken)
    {
        var groups = new List<Group>();
        var sitemaps = new List<string>();
        Group? current = null;
        var inAgents = false; // consecutive user-agent lines share one group
        foreach (var raw in text.Split('\n'))
        {
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "user-agent":
                    if (!inAgents) groups.Add(current = new Group());
                    current!.Agents.Add(value);
                    inAgents = true;
                    continue;
                case "allow" or "disallow" when current is not null:
                    if (value.Length > 0) current.Rules.Add(new Rule(value, key == "allow"));
                    break;
                case "crawl-delay" when current is not null:
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 86400)
                        current.CrawlDelay = TimeSpan.FromSeconds(seconds);
                    break;
                case "sitemap":
                    if (value.Length > 0) sitemaps.Add(value);
                    break;
            }
            inAgents = false;
        }

        var mine = groups.Where(g => g.Agents.Any(a => Names(a, productToken))).ToList();
        if (mine.Count == 0) mine = [.. groups.Where(g => g.Agents.Any(a => a == "*"))];
        return new RobotsTxt([.. mine.SelectMany(g => g.Rules)], mine.Select(g => g.CrawlDelay).FirstOrDefault(d => d is not null), sitemaps);
    }

    /// <summary>
    /// Whether a path (with its query) may be fetched: the longest matching rule decides, Allow when an Allow and a
    /// Disallow match equally long; /robots.txt itself is always allowed.
    /// </summary>
    public bool IsAllowed(string pathAndQuery)
    {
        if (pathAndQuery == "/robots.txt") return true;
        Rule? best = null;
        foreach (var rule in _rules)
        {
            if (!Matches(rule.Pattern, pathAndQuery)) continue;
            if (best is null || rule.Pattern.Length > best.Pattern.Length || (rule.Pattern.Length == best.Pattern.Length && rule.Allow))
                best = rule;
        }
        return best?.Allow ?? true;
    }

    /// <summary>A user-agent line names us when its token (up to a '/' or a space) is ours, ignoring case.</summary>
    private static bool Names(string agent, string productToken)
    {
        var end = agent.IndexOfAny(['/', ' ']);
        var token = end >= 0 ? agent[..end] : agent;
        return token.Length > 0 && string.Equals(token, productToken, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A rule's path pattern matched from the start of the path: '*' any run of characters, a final '$' the end.</summary>
    internal static bool Matches(string pattern, string path)
    {
        var anchored = pattern.EndsWith('$');
        if (anchored) pattern = pattern[..^1];
        // Greedy wildcard matching with one backtrack point: linear in practice, no regular expression to run away.
        int p = 0, s = 0, star = -1, resume = 0;
        while (s < path.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = s;
            }
            else if (p < pattern.Length && pattern[p] == path[s])
            {
                p++;
                s++;
            }
            else if (p == pattern.Length && !anchored)
            {
                return true; // a prefix matched
            }
            else if (star >= 0)
            {
                p = star + 1;
                s = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
