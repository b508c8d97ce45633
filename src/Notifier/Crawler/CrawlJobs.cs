using Alerts.Core.Options;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Crawler;

/// <summary>The recurring crawl of one site (<c>crawl-site-{id}</c>); Hangfire's shared storage runs it once across notifiers.</summary>
public sealed class CrawlJob(CrawlRunner runner)
{
    public const string JobIdPrefix = "crawl-site-";

    // A crawl that failed is not retried at once: the next scheduled run comes soon enough, and the report says why.
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(string siteId, CancellationToken ct) => runner.RunAsync(siteId, ct);
}

public static class CrawlerRegistration
{
    /// <summary>The crawler without its schedule: what <c>alerts crawl run</c> needs.</summary>
    public static IServiceCollection AddCrawlRunner(this IServiceCollection services)
    {
        services.AddValidatedOptions<CrawlerOptions>(CrawlerOptions.SectionName, CrawlerOptions.Validate);
        services.TryAddSingleton<CrawlRunner>();
        return services;
    }

    /// <summary>The crawler and a recurring job per configured site, on the notifier's Hangfire server.</summary>
    public static IServiceCollection AddLinkCrawler(this IServiceCollection services)
    {
        services.AddCrawlRunner();
        services.AddScoped<CrawlJob>();
        services.AddHostedService<CrawlSchedule>();
        return services;
    }

    /// <summary>Registers each site's recurring crawl and removes those of sites no longer configured.</summary>
    private sealed class CrawlSchedule(IRecurringJobManager recurring, JobStorage storage, IOptions<AlertsOptions> settings) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var sites = settings.Value.Sites;
            foreach (var site in sites)
            {
                var id = site.Id;
                recurring.AddOrUpdate<CrawlJob>(site.JobId, j => j.RunAsync(id, CancellationToken.None), site.Schedule);
            }
            using var connection = storage.GetConnection();
            foreach (var job in connection.GetRecurringJobs())
                if (job.Id.StartsWith(CrawlJob.JobIdPrefix, StringComparison.Ordinal) && !sites.Any(s => s.JobId == job.Id))
                    recurring.RemoveIfExists(job.Id);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
