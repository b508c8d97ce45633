using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Dashboard.Pages;
using Alerts.Notifier.Crawler;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Cli;

/// <summary><c>alerts crawl run|status</c>: crawl the configured sites now, and read the crawl reports.</summary>
internal static class CrawlCommands
{
    public static Command Create() => new("crawl", "Check the sites in Alerts:Sites for dead links.") { Run(), Status() };

    private static Command Run()
    {
        var site = new Option<string>("--site") { Description = "The site's id in Alerts:Sites (default: every site, one after another)." };
        var run = new Command("run", "Crawl now. Dead links are stored as broken-link events; a running notifier groups and mails them.") { site };
        run.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var sites = services.GetRequiredService<IOptions<AlertsOptions>>().Value.Sites;
            var wanted = result.GetValue(site);
            var chosen = wanted is null ? sites : [.. sites.Where(s => string.Equals(s.Id, wanted, StringComparison.OrdinalIgnoreCase))];
            if (chosen.Count == 0)
            {
                await Console.Error.WriteLineAsync(wanted is null ? "No site is configured in Alerts:Sites." : $"There is no site '{wanted}' in Alerts:Sites.");
                return 1;
            }
            // Ctrl+C or SIGTERM stops the crawl between two requests; the report says it was cancelled.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
            var runner = services.GetRequiredService<CrawlRunner>();
            var exit = 0;
            foreach (var s in chosen)
            {
                if (stopping.IsCancellationRequested) break;
                var report = await runner.RunAsync(s.Id, stopping.Token);
                if (report is null)
                {
                    Console.WriteLine($"{s.Id}: another crawl of this site is running.");
                    exit = 1;
                    continue;
                }
                Console.WriteLine(Summary(report));
                if (report.Status is CrawlRunStatus.Failed or CrawlRunStatus.Cancelled) exit = 1;
            }
            return exit;
        }, migrate: true, ct));
        return run;
    }

    private static Command Status()
    {
        var site = new Option<string>("--site") { Description = "Only this site's runs." };
        var limit = new Option<int?>("--limit") { Description = "At most this many runs, the latest first (default 10)." };
        var status = new Command("status", "The latest crawl reports, tab-separated; a running crawl shows its progress.") { site, limit };
        status.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var runs = await CrawlsModel.LatestAsync(db, result.GetValue(site), Math.Clamp(result.GetValue(limit) ?? 10, 1, 1000), ct);
            Console.WriteLine("ID\tSITE\tSTATUS\tSTARTED\tDURATION\tPAGES\tNOT MODIFIED\tLINKS\tDEAD INTERNAL\tDEAD EXTERNAL\tLONG REDIRECTS\tREQUESTS");
            foreach (var r in runs)
                Console.WriteLine(string.Join('\t', r.Id.ToString(CultureInfo.InvariantCulture), r.SiteId, CrawlsModel.StatusText(r.Status), IncidentModel.Utc(r.StartedAt),
                    CrawlsModel.Duration(r), Num(r.Pages), Num(r.NotModified), Num(r.LinksChecked), Num(r.DeadInternal), Num(r.DeadExternal), Num(r.LongRedirects), Num(r.Requests)));
            return 0;
        }, migrate: true, ct));
        return status;
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Summary(CrawlRun r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.SiteId}: {CrawlsModel.StatusText(r.Status)} in {CrawlsModel.Duration(r)}: {r.Pages} pages ({r.NotModified} not modified), {r.LinksChecked} links checked, "
        + $"{r.DeadInternal} dead internal, {r.DeadExternal} dead external, {r.LongRedirects} long redirect chains, {r.Requests} requests.")
        + (string.IsNullOrEmpty(r.Note) ? "" : "\n" + r.Note.TrimEnd());
}
