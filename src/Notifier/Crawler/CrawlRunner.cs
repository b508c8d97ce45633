using System.Globalization;
using System.Text;
using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Crawler;

/// <summary>
/// Runs a crawl of a configured site and turns what it finds into the data flow: each dead link is an accepted
/// broken-link event (the visitor's fingerprint, the linking page as referrer, tagged <c>found_by=crawl</c>) that
/// enters at Group like any other; the run's report is a <see cref="CrawlRun"/> row, written while it runs.
/// </summary>
public sealed class CrawlRunner(
    IDbContextFactory<AlertsDbContext> factory,
    WriteGate gate,
    IOptionsMonitor<AlertsOptions> settings,
    IOptions<CrawlerOptions> crawler,
    IOptions<ScrubbingOptions> scrubbing,
    TimeProvider clock,
    IServiceProvider services,
    ILogger<CrawlRunner> logger)
{
    public const string FoundByTag = "found_by";
    public const string FoundByCrawl = "crawl";

    /// <summary>A running row not updated for this long belongs to a process that is gone.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(60);
    private const int EventsPerBatch = 500;

    public SiteOptions? Site(string id) =>
        settings.CurrentValue.Sites.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Crawls the site once; null when another process is crawling it now.</summary>
    public async Task<CrawlRun?> RunAsync(string siteId, CancellationToken ct)
    {
        var site = Site(siteId) ?? throw new InvalidOperationException($"There is no site '{siteId}' in Alerts:Sites.");
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            if (!await db.Projects.AnyAsync(p => p.Id == site.ProjectId, ct))
                throw new InvalidOperationException($"Site '{site.Id}' names project {site.ProjectId}, which does not exist.");
        }
        if (await ClaimAsync(site, ct) is not { } run) return null;
        logger.LogInformation("Crawl of {Site} ({Url}) started, run {Run}", site.Id, site.StartUrl, run.Id);

        using var http = CrawlHttp.Create(crawler.Value);
        var store = new CrawlUrlStore(factory, gate, site.Id);
        var engine = new SiteCrawler(site, crawler.Value, http, store, clock, logger, (stats, token) => SaveAsync(run, stats, null, token));
        CrawlOutcome? outcome = null;
        var note = new StringBuilder();
        try
        {
            outcome = await engine.RunAsync(ct);
            run.Status = outcome.BudgetReached ? CrawlRunStatus.BudgetReached : CrawlRunStatus.Completed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Status = CrawlRunStatus.Cancelled;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Crawl of {Site} failed", site.Id);
            run.Status = CrawlRunStatus.Failed;
            note.Append("Failed: ").Append(ex.Message).Append('\n');
        }

        if (outcome is not null)
        {
            await ReportDeadLinksAsync(site, outcome.Dead, CancellationToken.None);
            foreach (var url in outcome.WorksAgain) note.Append("Works again: ").Append(url).Append('\n');
            if (site.AutoResolve && run.Status == CrawlRunStatus.Completed)
                run.Resolved = await AutoResolveAsync(site, outcome.Facts, note, CancellationToken.None);
        }
        run.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await SaveAsync(run, outcome?.Stats, note.Length == 0 ? null : note.ToString(), CancellationToken.None);
        logger.LogInformation("Crawl of {Site} ended ({Status}): {Pages} pages, {Links} links, {Dead} dead",
            site.Id, run.Status, run.Pages, run.LinksChecked, run.DeadInternal + run.DeadExternal);
        return run;
    }

    /// <summary>Writes the running row (one per site, by a unique filtered index); a row left by a process that is gone is marked abandoned first.</summary>
    private async Task<CrawlRun?> ClaimAsync(SiteOptions site, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using var turn = await gate.EnterAsync(WriteTimeout, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        var stale = now - AbandonedAfter;
        await db.CrawlRuns.Where(r => r.SiteId == site.Id && r.Status == CrawlRunStatus.Running && r.UpdatedAt < stale)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, CrawlRunStatus.Abandoned).SetProperty(r => r.FinishedAt, now), ct);
        var run = new CrawlRun { SiteId = site.Id, ProjectId = site.ProjectId, StartUrl = site.StartUrl, Status = CrawlRunStatus.Running, StartedAt = now, UpdatedAt = now };
        db.CrawlRuns.Add(run);
        try
        {
            await db.SaveChangesAsync(ct);
            return run;
        }
        catch (DbUpdateException)
        {
            logger.LogInformation("Crawl of {Site} not started: another run is in progress", site.Id);
            return null;
        }
    }

    private async Task SaveAsync(CrawlRun run, CrawlStats? stats, string? note, CancellationToken ct)
    {
        if (stats is not null)
        {
            (run.Pages, run.NotModified, run.LinksChecked, run.DeadInternal, run.DeadExternal) = (stats.Pages, stats.NotModified, stats.LinksChecked, stats.DeadInternal, stats.DeadExternal);
            (run.LongRedirects, run.Requests, run.Disallowed, run.Oversized, run.WorksAgain) = (stats.LongRedirects, stats.Requests, stats.Disallowed, stats.Oversized, stats.WorksAgain);
        }
        if (note is not null) run.Note = note.Length <= CrawlRun.NoteMaxLength ? note : note[..(CrawlRun.NoteMaxLength - 1)] + "…";
        run.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        using var turn = await gate.EnterAsync(WriteTimeout, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        db.CrawlRuns.Update(run);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Stores each dead link as an accepted broken-link event and hands the ids to the notifiers, as the collector does;
    /// a process without the bus (the CLI) leaves them to the notifiers' sweep of ungrouped events.
    /// </summary>
    private async Task ReportDeadLinksAsync(SiteOptions site, IReadOnlyList<DeadLink> dead, CancellationToken ct)
    {
        if (dead.Count == 0) return;
        var bus = services.GetService<IBus>();
        var sensitive = scrubbing.Value.SensitiveNames();
        foreach (var batch in dead.Chunk(EventsPerBatch))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var events = batch.Select(d =>
            {
                var payload = EventOf(d);
                EventScrubber.Scrub(payload, sensitive);
                return StoredEvent.Create(site.ProjectId, EventKind.BrokenLink, payload, now);
            }).ToList();
            using (await gate.EnterAsync(WriteTimeout, ct))
            {
                await using var db = await factory.CreateDbContextAsync(ct);
                db.Events.AddRange(events);
                await db.SaveChangesAsync(ct);
            }
            if (bus is null) continue;
            try
            {
                await bus.Publish(new EventsAccepted([.. events.Select(e => e.Id)]), ct);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not publish {Count} dead link(s) of {Site}; they will be swept", events.Count, site.Id);
            }
        }
    }

    /// <summary>
    /// The event a visitor's referred 404 would have sent, from the crawler: so it has the same fingerprint. A link to another
    /// site is its own incident (its full URL), since the path alone would fold it into a page of this site.
    /// </summary>
    public static EventPayload EventOf(DeadLink dead) => new()
    {
        Level = "warning",
        Message = dead.Status == 0 ? $"No answer: {dead.Url}" : $"Not Found: {Fingerprinter.TargetOf(dead.Url)}",
        Logger = "alerts.crawler",
        Request = new RequestInfo { Url = dead.Url, Method = "GET", Referrer = dead.Referrer, UserAgent = CrawlerOptions.UserAgent },
        Tags = new Dictionary<string, string>
        {
            [FoundByTag] = FoundByCrawl,
            ["status"] = dead.Status.ToString(CultureInfo.InvariantCulture),
            ["link"] = dead.External ? "external" : "internal",
        },
        Fingerprint = dead.External ? ["broken_link", dead.Url] : null,
    };

    /// <summary>Resolves the project's open broken-link incidents <see cref="AutoResolveRule"/> lets go; each is named in the note.</summary>
    private async Task<int> AutoResolveAsync(SiteOptions site, CrawlFacts facts, StringBuilder note, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var open = await db.Incidents.AsNoTracking()
            .Where(i => i.ProjectId == site.ProjectId && i.Kind == EventKind.BrokenLink && i.Status == IncidentStatus.Open && i.LastEventId != null)
            .Select(i => new { i.Id, i.LastEventId }).ToListAsync(ct);
        var resolved = 0;
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var incident in open)
        {
            var payload = await db.Events.AsNoTracking().Where(e => e.Id == incident.LastEventId).Select(e => e.Payload).FirstOrDefaultAsync(ct);
            if (payload is null || EventJson.Read(payload).Request?.Url is not { } target) continue;
            var referrers = await db.BrokenLinkReferrers.AsNoTracking().Where(r => r.IncidentId == incident.Id).Select(r => r.Referrer).ToListAsync(ct);
            var verdict = AutoResolveRule.Decide(target, referrers, facts);
            if (verdict == AutoResolveVerdict.Keep) continue;
            using (await gate.EnterAsync(WriteTimeout, ct))
            {
                // Only if still open: a visitor's occurrence meanwhile reopened or counted it, and a person may have acted.
                var changed = await db.Incidents.Where(i => i.Id == incident.Id && i.Status == IncidentStatus.Open)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, IncidentStatus.Resolved).SetProperty(i => i.ResolvedAt, now), ct);
                if (changed == 0) continue;
            }
            resolved++;
            note.Append(CultureInfo.InvariantCulture, $"Resolved incident {incident.Id} ({target}): ")
                .Append(verdict == AutoResolveVerdict.WorksAgain ? "the link works again" : "no page links to it any more").Append('\n');
        }
        return resolved;
    }
}
