namespace Alerts.Core.Domain;

/// <summary>How a crawl run ended, or that it is running.</summary>
public enum CrawlRunStatus { Running = 0, Completed = 1, BudgetReached = 2, Cancelled = 3, Failed = 4, Abandoned = 5 }

/// <summary>One run of the link crawler over a configured site: its report, updated while it runs.</summary>
public sealed class CrawlRun
{
    public const int SiteIdMaxLength = 100;
    public const int NoteMaxLength = 4000;

    public long Id { get; set; }
    /// <summary>The site's <c>Alerts:Sites</c> id.</summary>
    public required string SiteId { get; set; }
    public long ProjectId { get; set; }
    public required string StartUrl { get; set; }
    public CrawlRunStatus Status { get; set; }
    public DateTime StartedAt { get; set; }
    /// <summary>The last progress written: a running row not updated for long belongs to a process that is gone.</summary>
    public DateTime UpdatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public int Pages { get; set; }
    /// <summary>Pages and links answered 304 Not Modified to a conditional request.</summary>
    public int NotModified { get; set; }
    public int LinksChecked { get; set; }
    public int DeadInternal { get; set; }
    public int DeadExternal { get; set; }
    /// <summary>Links whose redirect chain is longer than the site's <c>LongRedirectChain</c>.</summary>
    public int LongRedirects { get; set; }
    public int Requests { get; set; }
    /// <summary>Links robots.txt keeps the crawler from.</summary>
    public int Disallowed { get; set; }
    /// <summary>Responses cut at the size cap.</summary>
    public int Oversized { get; set; }
    /// <summary>Links found dead by an earlier run that work now.</summary>
    public int WorksAgain { get; set; }
    /// <summary>Incidents this run resolved (the site's <c>AutoResolve</c>).</summary>
    public int Resolved { get; set; }
    /// <summary>What the figures do not say: the links that work again, the incidents resolved, why a run failed.</summary>
    public string? Note { get; set; }
}

/// <summary>
/// What the crawler remembers of one URL of a site between runs: the validators for a conditional request, the last
/// answer, and for a page the links it had, so a page answered 304 is not downloaded to know its links.
/// </summary>
public sealed class CrawlUrl
{
    public const int UrlMaxLength = 2000;

    public required string SiteId { get; set; }
    /// <summary>SHA-256 of <see cref="Url"/>, hex: the key, as a URL may be longer than an index allows.</summary>
    public required string UrlHash { get; set; }
    public required string Url { get; set; }
    public string? ETag { get; set; }
    public string? LastModified { get; set; }
    /// <summary>The last HTTP status (0: no answer).</summary>
    public int Status { get; set; }
    public bool Dead { get; set; }
    /// <summary>A page's links, one a line, "p " (a page) or "r " (a resource) before each URL.</summary>
    public string? Links { get; set; }
    public DateTime CheckedAt { get; set; }
}
