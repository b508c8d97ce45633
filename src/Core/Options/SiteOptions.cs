using System.Text.RegularExpressions;
using Cronos;

namespace Alerts.Core.Options;

/// <summary>A site the link crawler checks (<c>Alerts:Sites</c>): where it starts, how often, and how politely.</summary>
public sealed partial class SiteOptions
{
    public const string DailySchedule = "0 3 * * *";

    /// <summary>Names the site in the CLI, the Dashboard and its recurring job (<c>crawl-site-{Id}</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The project whose broken-link incidents the dead links become.</summary>
    public long ProjectId { get; set; }

    public string StartUrl { get; set; } = "";

    /// <summary>A sitemap whose pages are crawled besides those linked from the start URL (robots.txt may name more).</summary>
    public string? Sitemap { get; set; }

    /// <summary>Cron (five fields, UTC); daily by default.</summary>
    public string Schedule { get; set; } = DailySchedule;

    /// <summary>At most this many pages are fetched per run.</summary>
    public int PageBudget { get; set; } = 5000;

    /// <summary>Links from the start page are depth 1; pages deeper than this are checked but not followed.</summary>
    public int MaxDepth { get; set; } = 20;

    /// <summary>Requests per second to any one host; robots.txt's Crawl-delay slows it further.</summary>
    public double RequestsPerSecond { get; set; } = 2;

    /// <summary>Links to other sites are checked (HEAD, then GET), each at most once a day.</summary>
    public bool CheckExternalLinks { get; set; } = true;

    /// <summary>Redirect chains with more hops than this are counted in the crawl report.</summary>
    public int LongRedirectChain { get; set; } = 2;

    /// <summary>
    /// After a complete run, resolve an open broken-link incident of the project whose target works again, or that
    /// no crawled page links to any more while every page that referred to it was crawled.
    /// </summary>
    public bool AutoResolve { get; set; }

    /// <summary>The recurring job's id.</summary>
    public string JobId => "crawl-site-" + Id;

    internal static IEnumerable<string> Validate(List<SiteOptions> sites)
    {
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < sites.Count; i++)
        {
            var s = sites[i];
            var at = $"Alerts:Sites:{i}";
            if (!IdFormat().IsMatch(s.Id)) yield return $"{at}:Id must be 1 to 100 letters, digits, '-' or '_'.";
            else if (!ids.Add(s.Id)) yield return $"{at}:Id '{s.Id}' is used by another site.";
            if (s.ProjectId <= 0) yield return $"{at}:ProjectId must be a project's id.";
            if (!IsHttpUrl(s.StartUrl)) yield return $"{at}:StartUrl '{s.StartUrl}' is not an absolute http(s) URL.";
            if (!string.IsNullOrEmpty(s.Sitemap) && !IsHttpUrl(s.Sitemap)) yield return $"{at}:Sitemap '{s.Sitemap}' is not an absolute http(s) URL.";
            string? cron = null;
            try { _ = CronExpression.Parse(s.Schedule); }
            catch (CronFormatException ex) { cron = ex.Message; }
            if (cron is not null) yield return $"{at}:Schedule '{s.Schedule}' is not a cron expression: {cron}";
            if (s.PageBudget is < 1 or > 1_000_000) yield return $"{at}:PageBudget must be between 1 and 1000000.";
            if (s.MaxDepth is < 0 or > 1000) yield return $"{at}:MaxDepth must be between 0 and 1000.";
            if (s.RequestsPerSecond is <= 0 or > 1000 || double.IsNaN(s.RequestsPerSecond)) yield return $"{at}:RequestsPerSecond must be above 0 and at most 1000.";
            if (s.LongRedirectChain is < 1 or > 20) yield return $"{at}:LongRedirectChain must be between 1 and 20.";
        }
    }

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex IdFormat();
}
