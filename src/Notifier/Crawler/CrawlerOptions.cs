namespace Alerts.Notifier.Crawler;

/// <summary>The <c>Alerts:Crawler</c> section: limits of the link crawler for every site (the sites are <c>Alerts:Sites</c>).</summary>
public sealed class CrawlerOptions
{
    public const string SectionName = "Alerts:Crawler";

    /// <summary>The product token of the crawler's User-Agent, the one robots.txt groups name.</summary>
    public const string ProductToken = "AlertsLinkChecker";

    /// <summary>Loopback, private and link-local addresses are refused unless this is on (a site on the same network).</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>A response is read up to this many bytes; a longer page is parsed as far as it was read.</summary>
    public int MaxResponseBytes { get; set; } = 5 * 1024 * 1024;

    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Links read from one page at most.</summary>
    public int MaxLinksPerPage { get; set; } = 2000;

    /// <summary>The crawler's User-Agent: its product token and the running version.</summary>
    public static string UserAgent { get; } =
        $"{ProductToken}/{typeof(CrawlerOptions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"} (+https://github.com/alerts)";

    internal static IEnumerable<string> Validate(CrawlerOptions o)
    {
        if (o.MaxResponseBytes is < 1024 or > 512 * 1024 * 1024) yield return "Alerts:Crawler:MaxResponseBytes must be between 1024 and 536870912.";
        if (o.TimeoutSeconds is < 1 or > 600) yield return "Alerts:Crawler:TimeoutSeconds must be between 1 and 600.";
        if (o.MaxLinksPerPage is < 1 or > 100_000) yield return "Alerts:Crawler:MaxLinksPerPage must be between 1 and 100000.";
    }
}
